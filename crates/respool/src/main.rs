//! `respool`: the server (`respool serve`) and the tools around it.

mod cli;
mod credentials;
mod serve;

use clap::Parser;

use cli::{Cli, Command};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve::run(args).await,
        Command::Credentials(cmd) => credentials::run(cmd).await,
        Command::Users(cmd) => credentials::run_users(cmd).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(1)
        }
    }
}
