//! `respool demo` runs end to end, in under a minute, and tells its story.

use std::time::{Duration, Instant};

#[test]
fn demo_walks_a_pool_through_its_life() {
    let cwd = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = assert_cmd::Command::new(env!("CARGO_BIN_EXE_respool"))
        .arg("demo")
        .current_dir(cwd.path())
        .env_remove("RESPOOL_ENDPOINT")
        .env_remove("RESPOOL_DATA_DIR")
        .timeout(Duration::from_secs(60))
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(started.elapsed() < Duration::from_secs(60));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.is_empty(), "nothing on stderr: {stderr}");

    // Each step, in order, with the command that does it.
    let mut at = 0;
    for expected in [
        "==> Started respool on http://127.0.0.1:",
        "$ respool pool create --name demo-pool --flavor modelarts.vm.cpu.4ud --count 2",
        "0/2 nodes available  Creating (2 creating)",
        "is Running (2/2 nodes available) after",
        "$ respool pool scale demo-pool --count 3 --wait",
        "2/3 nodes available  Running (1 creating)",
        "is Running (3/3 nodes available) after",
        "$ respool pool list -o json",
        "\"kind\": \"PoolList\"",
        "$ respool pool list\n",
        "NAME   ",
        "DISPLAY NAME   TYPE       PHASE     FLAVORS                    SCOPES        AGE",
        "modelarts.vm.cpu.4ud 3/3",
        "$ respool pool delete demo-pool --wait",
        "deleted after",
        "No pools found.",
        "==> Done in",
        "Do it yourself:",
        "respool serve --timing fast",
        "curl -s http://127.0.0.1:8787/v2/",
        "BasicCredentials",
    ] {
        match stdout[at..].find(expected) {
            Some(i) => at += i + expected.len(),
            None => panic!("{expected:?} missing after byte {at} of:\n{stdout}"),
        }
    }

    // The JSON list is the API's PoolList, one Running pool of 3 nodes.
    let start = stdout.find("{\n  \"apiVersion\"").unwrap();
    let end = start + stdout[start..].find("\n}\n").unwrap() + 2;
    let list: serde_json::Value = serde_json::from_str(&stdout[start..end]).unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["status"]["phase"], "Running");
    assert_eq!(list["items"][0]["spec"]["resources"][0]["count"], 3);
}
