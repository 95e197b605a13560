//! `respool credentials ...` and `respool users ...`: identities in the store.

use anyhow::{bail, Context};
use respool_core::identity::{hash_password, random_id, random_string, Credential, User};
use respool_core::time::{rfc3339, wall_ms};
use respool_store::{Store, StoreError};

use crate::cli::{CredentialsCommand, UsersCommand};
use crate::serve::open_store;

pub async fn run(cmd: CredentialsCommand) -> anyhow::Result<()> {
    match cmd {
        CredentialsCommand::Create {
            store,
            projects,
            domain,
            expires_in,
        } => {
            let store = open_store(&store, false).await?;
            let domain = domain_or_existing(store.as_ref(), domain).await?;
            let now = wall_ms();
            let mut c = Credential::generate(&domain, projects, now);
            if let Some(secs) = expires_in {
                c.expires_ms =
                    Some(now + i64::try_from(secs).context("--expires-in is too large")? * 1000);
                c.security_token = Some(random_string(
                    64,
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                ));
            }
            store.insert_credential(&c).await?;
            println!("access_key  {}", c.access_key);
            println!("secret_key  {}", c.secret_key);
            println!("domain_id   {}", c.domain_id);
            println!("projects    {}", c.project_ids.join(","));
            if let (Some(token), Some(exp)) = (&c.security_token, c.expires_ms) {
                println!("security_token  {token}");
                println!("expires     {}", rfc3339(exp));
            }
            Ok(())
        }
        CredentialsCommand::List { store } => {
            let store = open_store(&store, false).await?;
            println!(
                "{:<22} {:<34} {:<22} PROJECTS",
                "ACCESS KEY", "DOMAIN", "EXPIRES"
            );
            for c in store.list_credentials().await? {
                let expires = c.expires_ms.map(rfc3339).unwrap_or_else(|| "never".into());
                println!(
                    "{:<22} {:<34} {:<22} {}",
                    c.access_key,
                    c.domain_id,
                    expires,
                    c.project_ids.join(",")
                );
            }
            Ok(())
        }
        CredentialsCommand::Revoke { store, access_key } => {
            let store = open_store(&store, false).await?;
            if !store.revoke_credential(&access_key).await? {
                bail!("no access key {access_key:?}");
            }
            println!("revoked {access_key}; running servers refuse it within a second");
            Ok(())
        }
    }
}

/// The domain given, else the one the store's identities already use, else a new one.
async fn domain_or_existing(store: &dyn Store, given: Option<String>) -> anyhow::Result<String> {
    if let Some(d) = given {
        return Ok(d);
    }
    let existing = store.list_credentials().await?;
    Ok(existing
        .first()
        .map(|c| c.domain_id.clone())
        .unwrap_or_else(random_id))
}

pub async fn run_users(cmd: UsersCommand) -> anyhow::Result<()> {
    match cmd {
        UsersCommand::Create {
            store,
            name,
            password,
            projects,
            domain,
        } => {
            if password.len() < 8 {
                bail!("the password must have at least 8 characters");
            }
            let store = open_store(&store, false).await?;
            let domain = domain_or_existing(store.as_ref(), domain).await?;
            let user = User {
                name: name.clone(),
                password_hash: hash_password(&password),
                domain_id: domain,
                project_ids: projects,
                created_ms: wall_ms(),
            };
            match store.insert_user(&user).await {
                Ok(()) => println!("created user {name}"),
                Err(StoreError::AlreadyExists) => bail!("user {name:?} exists"),
                Err(e) => return Err(e.into()),
            }
            Ok(())
        }
    }
}
