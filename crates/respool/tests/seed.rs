//! `respool serve --seed FILE`: a scenario applied at start by the real
//! binary, read back through the signed API (the CLI) and the admin API;
//! a second start with the same file changes nothing.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use respool_testkit::{free_port, respool_bin, Process};
use serde_json::Value;

const AK: &str = "SEEDTESTACCESSKEY001";
const SK: &str = "SeedTestSecretKey0000000000000000000001";
const PROJECT: &str = "5eed5eed5eed5eed5eed5eed5eed0001";
const OTHER_AK: &str = "SEEDTESTACCESSKEY002";
const OTHER_SK: &str = "SeedTestSecretKey0000000000000000000002";
const OTHER_PROJECT: &str = "5eed5eed5eed5eed5eed5eed5eed0002";
const ADMIN: &str = respool_testkit::ADMIN_TOKEN;

fn scenario() -> String {
    format!(
        r#"
# Two teams' pools in one project, one pool in another.
credentials:
  - ak: {AK}
    sk: {SK}
    project_id: {PROJECT}
    domain_id: d5eed5eed5eed5eed5eed5eed5eed001
  - {{ak: {OTHER_AK}, sk: {OTHER_SK}, project_id: {OTHER_PROJECT}}}
workspaces:
  - name: ws-research
    description: research team
networks:
  - name: net-main
    cidr: 172.16.0.0/16
    labels: {{tier: main}}
pools:
  - name: train-a
    flavor: modelarts.vm.cpu.4ud
    count: 2
    labels: {{team: ml}}
  - name: train-b
    network: net-main
    workspace: ws-research
    labels: {{team: research}}
    resources:
      - {{flavor: modelarts.vm.cpu.4ud, count: 1}}
      - {{flavor: modelarts.vm.cpu.8ud, count: 3}}
  - name: other-pool
    project_id: {OTHER_PROJECT}
    flavor: modelarts.vm.cpu.8ud
faults:
  - selector: team=research
    effect: nodes-abnormal
    count: 1
"#
    )
}

fn serve(data: &Path, extra: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(respool_bin!());
    cmd.args(["serve", "--timing", "manual", "--auth", "enforce"])
        .arg("--data-dir")
        .arg(data)
        .args(extra)
        .env("RESPOOL_ADMIN_TOKEN", ADMIN)
        .env("RESPOOL_LOG", "info,respool_server=warn")
        .stdin(Stdio::null());
    for var in [
        "RESPOOL_ACCESS_KEY",
        "RESPOOL_SECRET_KEY",
        "RESPOOL_PROJECT_ID",
        "RESPOOL_DOMAIN_ID",
        "RESPOOL_SEED",
        "RESPOOL_DATABASE_URL",
        "RESPOOL_TIMING",
        "RESPOOL_LISTEN",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// The real binary on the manual clock with the admin API on, once its store is ready.
fn start(data: &Path, extra: &[&str], env: &[(&str, &str)]) -> Process {
    let mut args = vec!["--timing", "manual", "--auth", "enforce"];
    args.extend_from_slice(extra);
    let mut env = env.to_vec();
    env.extend([
        ("RESPOOL_ADMIN_TOKEN", ADMIN),
        ("RESPOOL_LOG", "info,respool_server=warn"),
    ]);
    let server = Process::start(respool_bin!(), data, &args, &env);
    let deadline = Instant::now() + Duration::from_secs(30);
    while get(server.port, "/readyz", &[]).0 != 200 {
        assert!(
            Instant::now() < deadline,
            "respool serve did not become ready"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

fn get(port: u16, path: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return (0, Value::Null);
    };
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    if s.write_all(req.as_bytes()).is_err() {
        return (0, Value::Null);
    }
    let mut buf = String::new();
    let _ = s.read_to_string(&mut buf);
    let status = buf.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = buf.split_once("\r\n\r\n").map(|x| x.1).unwrap_or_default();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

fn admin(server: &Process, path: &str) -> Value {
    let (status, body) = get(
        server.port,
        path,
        &[("Authorization", &format!("Bearer {ADMIN}"))],
    );
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// `respool ARGS -o json`, signed with a seeded credential.
fn cli(server: &Process, ak: &str, sk: &str, project: &str, args: &[&str]) -> Value {
    let out = Command::new(respool_bin!())
        .args(args)
        .args(["-o", "json"])
        .env(
            "RESPOOL_ENDPOINT",
            format!("http://127.0.0.1:{}", server.port),
        )
        .env("HUAWEICLOUD_SDK_AK", ak)
        .env("HUAWEICLOUD_SDK_SK", sk)
        .env("HUAWEICLOUD_SDK_PROJECT_ID", project)
        .env_remove("RESPOOL_DATA_DIR")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "respool {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn items(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        other => other["items"]
            .as_array()
            .or_else(|| other["workspaces"].as_array())
            .cloned()
            .unwrap_or_default(),
    }
}

/// What a second start must leave as it was: every pool (with its uid and
/// creation time), network, workspace and fault rule.
fn snapshot(server: &Process, ws_research: &str) -> Value {
    let pools_of = |ws: &str| {
        let mut v: Vec<_> = items(&cli(
            server,
            AK,
            SK,
            PROJECT,
            &["pool", "list", "--workspace", ws],
        ))
        .iter()
        .map(|p| {
            serde_json::json!([
                p["metadata"]["name"],
                p["metadata"]["uid"],
                p["metadata"]["creationTimestamp"]
            ])
        })
        .collect();
        v.sort_by_key(|x| x.to_string());
        v
    };
    serde_json::json!({
        "pools0": pools_of("0"),
        "poolsResearch": pools_of(ws_research),
        "workspaces": items(&cli(server, AK, SK, PROJECT, &["workspace", "list"]))
            .iter().map(|w| serde_json::json!([w["id"], w["name"]])).collect::<Vec<_>>(),
        "networks": items(&cli(server, AK, SK, PROJECT, &["network", "list"]))
            .iter().map(|n| n["metadata"]["name"].clone()).collect::<Vec<_>>(),
        "faults": admin(server, "/_respool/faults")["items"],
        "other": items(&cli(server, OTHER_AK, OTHER_SK, OTHER_PROJECT, &["pool", "list"]))
            .iter().map(|p| p["metadata"]["name"].clone()).collect::<Vec<_>>(),
    })
}

#[test]
fn a_seed_file_is_applied_at_start_and_a_second_start_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("scenario.yaml");
    std::fs::write(&seed, scenario()).unwrap();
    let data = dir.path().join("data");
    let seed_arg = seed.to_str().unwrap();

    let first = start(&data, &["--seed", seed_arg], &[]);
    // The seeded credential signs; no credential was generated beside it.
    assert!(!data.join("credentials.json").exists());

    let workspaces = items(&cli(&first, AK, SK, PROJECT, &["workspace", "list"]));
    let research = workspaces
        .iter()
        .find(|w| w["name"] == "ws-research")
        .unwrap_or_else(|| panic!("no ws-research in {workspaces:?}"));
    let ws_id = research["id"].as_str().unwrap().to_owned();
    assert_eq!(research["description"], "research team");

    let networks = items(&cli(&first, AK, SK, PROJECT, &["network", "list"]));
    assert_eq!(networks.len(), 1, "{networks:?}");
    assert_eq!(
        networks[0]["metadata"]["name"],
        format!("net-main-{PROJECT}")
    );
    assert_eq!(networks[0]["metadata"]["labels"]["tier"], "main");
    assert_eq!(networks[0]["spec"]["cidr"], "172.16.0.0/16");

    // train-a in the default workspace, on the first network of the file.
    let ml = items(&cli(
        &first,
        AK,
        SK,
        PROJECT,
        &["pool", "list", "-l", "team=ml"],
    ));
    assert_eq!(ml.len(), 1, "{ml:?}");
    let a = &ml[0];
    assert_eq!(a["metadata"]["name"], format!("train-a-{PROJECT}"));
    assert_eq!(a["spec"]["resources"][0]["count"], 2);
    assert_eq!(a["spec"]["network"]["name"], format!("net-main-{PROJECT}"));
    assert_eq!(
        a["status"]["phase"], "Creating",
        "manual clock: not created yet"
    );

    // train-b in the seeded workspace, two flavors, named network.
    let research_pools = items(&cli(
        &first,
        AK,
        SK,
        PROJECT,
        &["pool", "list", "--workspace", &ws_id, "-l", "team=research"],
    ));
    assert_eq!(research_pools.len(), 1, "{research_pools:?}");
    let b = &research_pools[0];
    assert_eq!(
        b["metadata"]["labels"]["os.modelarts/workspace.id"],
        ws_id.as_str()
    );
    let counts: Vec<_> = b["spec"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["flavor"].as_str().unwrap().to_owned(),
                r["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("modelarts.vm.cpu.4ud".to_owned(), 1),
            ("modelarts.vm.cpu.8ud".to_owned(), 3)
        ]
    );

    // The other project's pool, seen only with that project's credential.
    let other = items(&cli(
        &first,
        OTHER_AK,
        OTHER_SK,
        OTHER_PROJECT,
        &["pool", "list"],
    ));
    assert_eq!(other.len(), 1);
    assert_eq!(
        other[0]["metadata"]["name"],
        format!("other-pool-{OTHER_PROJECT}")
    );

    let faults = admin(&first, "/_respool/faults")["items"].clone();
    assert_eq!(faults.as_array().unwrap().len(), 1, "{faults}");
    assert_eq!(faults[0]["labelSelector"], "team=research");
    assert_eq!(faults[0]["effect"], "nodes-abnormal");
    assert_eq!(faults[0]["count"], 1);

    let before = snapshot(&first, &ws_id);
    drop(first);

    let second = start(&data, &["--seed", seed_arg], &[]);
    assert_eq!(snapshot(&second, &ws_id), before);
    drop(second);

    // RESPOOL_SEED is the same option; a JSON file reads like the YAML one.
    let json_seed = dir.path().join("scenario.json");
    let as_json: Value = serde_norway::from_str(&scenario()).unwrap();
    std::fs::write(&json_seed, serde_json::to_string(&as_json).unwrap()).unwrap();
    let third = start(&data, &[], &[("RESPOOL_SEED", json_seed.to_str().unwrap())]);
    assert_eq!(snapshot(&third, &ws_id), before);
}

#[test]
fn seeded_pools_follow_the_clock_and_their_faults() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("scenario.yaml");
    std::fs::write(&seed, scenario()).unwrap();
    let server = start(
        &dir.path().join("data"),
        &["--seed", seed.to_str().unwrap()],
        &[],
    );
    let (status, _) = {
        let mut s = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        let body = r#"{"seconds": 3600}"#;
        write!(
            s,
            "POST /_respool/clock/advance HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {ADMIN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut buf = String::new();
        s.read_to_string(&mut buf).unwrap();
        (buf[9..12].to_owned(), buf)
    };
    assert_eq!(status, "200");
    let ml = items(&cli(
        &server,
        AK,
        SK,
        PROJECT,
        &["pool", "list", "-l", "team=ml"],
    ));
    assert_eq!(ml[0]["status"]["phase"], "Running");
    let ws = items(&cli(&server, AK, SK, PROJECT, &["workspace", "list"]));
    let ws_id = ws.iter().find(|w| w["name"] == "ws-research").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let research = items(&cli(
        &server,
        AK,
        SK,
        PROJECT,
        &["pool", "list", "--workspace", &ws_id],
    ));
    // The seeded fault makes one node of train-b abnormal.
    assert_eq!(
        research[0]["status"]["phase"], "Abnormal",
        "{}",
        research[0]
    );
}

fn run_to_exit(mut cmd: Command) -> (Output, Duration) {
    let started = Instant::now();
    let out = cmd
        .args(["--listen", &format!("127.0.0.1:{}", free_port())])
        .output()
        .unwrap();
    (out, started.elapsed())
}

#[test]
fn a_bad_seed_file_stops_the_start_with_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "unknown.yaml",
            "pools:\n  - name: p-one\n    flavour: modelarts.vm.cpu.4ud\n",
            "pools[0]",
            "flavour",
        ),
        (
            "flavor.yaml",
            "pools:\n  - name: p-one\n    flavor: no.such.flavor\n",
            "pools[0] (p-one)",
            "no.such.flavor",
        ),
        (
            "effect.json",
            r#"{"faults": [{"selector": "a=b", "effect": "explodes"}]}"#,
            "faults[0]",
            "explodes",
        ),
    ];
    for (file, text, where_, what) in cases {
        let path = dir.path().join(file);
        std::fs::write(&path, text).unwrap();
        let data = dir.path().join(format!("data-{file}"));
        let mut cmd = serve(
            &data,
            &["--seed", path.to_str().unwrap()],
            &[
                ("RESPOOL_ACCESS_KEY", AK),
                ("RESPOOL_SECRET_KEY", SK),
                ("RESPOOL_PROJECT_ID", PROJECT),
            ],
        );
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let (out, took) = run_to_exit(cmd);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{file}: started anyway");
        assert!(took < Duration::from_secs(20), "{file}: took {took:?}");
        assert!(
            stderr.contains(where_) && stderr.contains(what) && stderr.contains(file),
            "{file}: {stderr}"
        );
    }
    let missing = dir.path().join("missing.yaml");
    let mut cmd = serve(
        &dir.path().join("data-missing"),
        &["--seed", missing.to_str().unwrap()],
        &[],
    );
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let (out, _) = run_to_exit(cmd);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the seed file"));
}
