//! `respool`: the server (`respool serve`) and the tools around it.

mod cli;
mod cmd;
mod demo;
mod exit;
mod identities;
mod output;
mod progress;
mod seed;
mod serve;

use clap::{CommandFactory, Parser};

use cli::{Cli, Command};

/// A request allocates and frees many small strings (headers, canonical
/// requests, JSON); mimalloc serves them from per-thread pages, where the
/// system allocator spent a fifth of the server's time (BENCHMARKS.md).
/// Built without transparent huge pages (`no_thp`): where the kernel gives
/// them always, an idle connection cost 31 KB instead of 18 KB, and the
/// list of 10 served 31k req/s instead of 37.7k.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve::run(args).await,
        Command::Credentials(cmd) => identities::run(cmd).await,
        Command::Users(cmd) => identities::run_users(cmd).await,
        Command::Pool(args) => cmd::pool::run(args).await,
        Command::Node(args) => cmd::node::run(args).await,
        Command::Nodepool(args) => cmd::node_pool::run(args).await,
        Command::Plugin(args) => cmd::plugin::run(args).await,
        Command::Job(args) => cmd::node_ops::jobs(args).await,
        Command::Event(args) => cmd::node_ops::events(args).await,
        Command::Flavor(args) => cmd::flavor::run(args).await,
        Command::Network(args) => cmd::network::run(args).await,
        Command::Workspace(args) => cmd::workspace::run(args).await,
        Command::Stats(args) => cmd::reports::stats(args).await,
        Command::Events(args) => cmd::reports::events(args).await,
        Command::Orders(args) => cmd::reports::orders(args).await,
        Command::Order(args) => cmd::reports::order(args).await,
        Command::Workload(args) => cmd::capacity::workloads(args).await,
        Command::Quota(args) => cmd::capacity::quotas(args).await,
        Command::Demo(args) => demo::run(args).await,
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "respool",
                &mut std::io::stdout(),
            );
            Ok(())
        }
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(exit::code(&e))
        }
    }
}
