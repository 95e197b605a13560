//! The real binary: first start, credentials.json, and acknowledged writes
//! surviving `kill -9`.

mod replica_support;

use replica_support::{call, start};
use respool_testkit::{names, pool_body, Creds};
use serde_json::Value;

#[tokio::test]
async fn first_start_writes_a_private_credentials_file_that_works() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), &["--timing", "fast"], &[]);
    let path = dir.path().join("credentials.json");
    let meta = std::fs::metadata(&path).expect("credentials.json written");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for key in ["ak", "sk", "project_id", "domain_id", "endpoint"] {
        assert!(
            file[key].as_str().is_some_and(|v| !v.is_empty()),
            "{key} in {file}"
        );
    }
    assert_eq!(file["endpoint"], server.base);
    let creds = Creds {
        ak: file["ak"].as_str().unwrap().into(),
        sk: file["sk"].as_str().unwrap().into(),
        project: file["project_id"].as_str().unwrap().into(),
    };
    let http = reqwest::Client::new();
    let (status, body) = call(
        &http,
        &server.base,
        &creds,
        "GET",
        &format!("/v2/{}/pools", creds.project),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["kind"], "PoolList");

    // A second start finds the credential and does not make another.
    drop(server);
    std::fs::remove_file(&path).unwrap();
    let _again = start(dir.path(), &["--timing", "fast"], &[]);
    assert!(!path.exists(), "no new credential on a store that has one");
}

#[tokio::test]
async fn acknowledged_creates_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let creds = Creds::test();
    let env = creds.env();
    let http = reqwest::Client::new();
    let path = format!("/v2/{}/pools", creds.project);
    let mut acknowledged = Vec::new();
    for round in 0..3 {
        let mut server = start(dir.path(), &["--timing", "fast"], &env);
        for i in 0..20 {
            let display = format!("pool-r{round}-{i:02}");
            let (status, body) = call(
                &http,
                &server.base,
                &creds,
                "POST",
                &path,
                Some(&pool_body(&display, 1)),
            )
            .await;
            assert_eq!(status, 200, "{body}");
            acknowledged.push(body["metadata"]["name"].as_str().unwrap().to_owned());
        }
        // No shutdown: the process dies the moment the last answer arrived.
        server.kill();
    }
    let server = start(dir.path(), &["--timing", "fast"], &env);
    let (status, list) = call(&http, &server.base, &creds, "GET", &path, None).await;
    assert_eq!(status, 200);
    let listed = names(&list);
    for name in &acknowledged {
        assert!(listed.contains(name), "{name} was acknowledged but is gone");
    }
    assert_eq!(listed.len(), acknowledged.len());
}
