//! `respool pool|node|completions` against a real `respool serve`.

mod cli_support;

use cli_support::{Options, Server};
use predicates::prelude::*;
use respool_testkit::{FLAVOR, PROJECT};
use serde_json::Value;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn create(s: &Server, display: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "pool",
        "create",
        "--name",
        display,
        "--flavor",
        FLAVOR,
        "--network",
        "net-cli",
    ];
    args.extend_from_slice(extra);
    let out = s.ok(&args);
    let name = respool_testkit::pool_name(display);
    assert_eq!(out, format!("pool/{name} created\n"));
    name
}

#[test]
fn pool_commands_in_every_output_format() {
    let s = Server::start("immediate");
    let name = create(
        &s,
        "alpha",
        &[
            "--count",
            "2",
            "--scope",
            "Train,Infer",
            "--label",
            "team=ml",
        ],
    );

    // table: kubectl-style columns; the display name finds the pool too.
    let table = s.ok(&["pool", "get", "alpha"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 2, "{table}");
    let header: Vec<&str> = lines[0]
        .split("   ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        header,
        [
            "NAME",
            "DISPLAY NAME",
            "TYPE",
            "PHASE",
            "FLAVORS",
            "SCOPES",
            "AGE"
        ]
    );
    for cell in [
        name.as_str(),
        "alpha",
        "Dedicate",
        "Running",
        &format!("{FLAVOR} 2/2"),
        "Train,Infer",
    ] {
        assert!(lines[1].contains(cell), "{cell:?} in {table}");
    }
    assert!(
        lines[1].trim_end().ends_with('s'),
        "age in seconds: {table}"
    );

    let wide = s.ok(&["pool", "get", &name, "-o", "wide"]);
    for col in ["WORKSPACE", "NETWORK", "CREATING", "ABNORMAL", "DELETING"] {
        assert!(wide.contains(col), "{col} in {wide}");
    }
    assert!(wide.contains("net-cli"), "{wide}");

    let one = json(&s.ok(&["pool", "get", &name, "-o", "json"]));
    assert_eq!(one["kind"], "Pool");
    assert_eq!(one["metadata"]["labels"]["team"], "ml");
    assert_eq!(one["status"]["resources"]["available"][0]["count"], 2);

    let yaml: Value = serde_norway::from_str(&s.ok(&["pool", "get", &name, "-o", "yaml"])).unwrap();
    assert_eq!(yaml, one, "YAML carries the same object");

    // list, in the seed's shape: apiVersion, kind, items.
    let list = json(&s.ok(&["pool", "list", "-o", "json"]));
    assert_eq!(list["apiVersion"], "v2");
    assert_eq!(list["kind"], "PoolList");
    assert_eq!(list["items"][0], one);
    let list_yaml: Value = serde_norway::from_str(&s.ok(&["pool", "list", "-o", "yaml"])).unwrap();
    assert_eq!(list_yaml, list);
    let t = s.ok(&["pool", "ls"]);
    assert!(t.starts_with("NAME ") && t.contains(&name), "{t}");
    assert!(s.ok(&["pool", "list", "-o", "wide"]).contains("WORKSPACE"));

    // scale, then delete; a deleted pool is not found (exit 6).
    let out = s.ok(&["pool", "scale", "alpha", "--count", "3"]);
    assert_eq!(out, format!("pool/{name} scaled\n"));
    let scaled = json(&s.ok(&["pool", "get", &name, "-o", "json"]));
    assert_eq!(scaled["spec"]["resources"][0]["count"], 3);
    let printed = json(&s.ok(&[
        "pool", "scale", &name, "--flavor", FLAVOR, "--count", "1", "-o", "json",
    ]));
    assert_eq!(printed["spec"]["resources"][0]["count"], 1);

    assert_eq!(
        s.ok(&["pool", "delete", "alpha"]),
        format!("pool/{name} deleting\n")
    );
    let err = s.fails(&["pool", "get", &name], 6);
    assert!(err.contains("ModelArts.50015001"), "{err}");
    assert!(err.contains("request id"), "{err}");
}

#[test]
fn list_filters_by_selector_status_and_workspace() {
    let s = Server::start("immediate");
    let a = create(&s, "red-one", &["--label", "color=red"]);
    let b = create(
        &s,
        "blue-one",
        &["--label", "color=blue", "--label", "tier=gold"],
    );
    let names = |args: &[&str]| -> Vec<String> {
        let mut full = vec!["pool", "list", "-o", "json"];
        full.extend_from_slice(args);
        let list = json(&s.ok(&full));
        let mut n: Vec<String> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["metadata"]["name"].as_str().unwrap().to_owned())
            .collect();
        n.sort();
        n
    };
    let mut both = vec![a.clone(), b.clone()];
    both.sort();
    assert_eq!(names(&[]), both);
    assert_eq!(names(&["-l", "color=red"]), [a.as_str()]);
    assert_eq!(
        names(&["--selector", "color in (blue,green),tier"]),
        [b.as_str()]
    );
    assert_eq!(names(&["-l", "os.modelarts/name=red-one"]), [a.as_str()]);
    assert_eq!(names(&["-l", "color!=red"]), [b.as_str()]);
    assert_eq!(names(&["--status", "created"]), both);
    assert!(names(&["--status", "creating"]).is_empty());
    assert!(names(&["--status", "failed"]).is_empty());
    assert_eq!(names(&["--workspace", "0"]), both);
    // A workspace that does not exist is the API's 400 ModelArts.7005.
    let err = s.fails(&["pool", "list", "--workspace", "ws-elsewhere"], 7);
    assert!(err.contains("ModelArts.7005"), "{err}");

    // The table says when nothing matched; a bad selector is the API's 400.
    s.run(&["pool", "list", "-l", "color=green"])
        .success()
        .stdout("")
        .stderr("No pools found.\n");
    let err = s.fails(&["pool", "list", "-l", "color in (red"], 7);
    assert!(
        err.contains("ModelArts.50004000") && err.contains("HTTP 400"),
        "{err}"
    );
    // A status outside the API's vocabulary never leaves the command line.
    s.fails(&["pool", "list", "--status", "sleeping"], 2);
}

#[test]
fn create_from_yaml_json_and_stdin() {
    let s = Server::start("immediate");
    let yaml = s.write(
        "pool.yaml",
        &format!(
            "apiVersion: v2\nkind: Pool\nmetadata:\n  labels:\n    os.modelarts/name: from-yaml\n    \
             os.modelarts/workspace.id: \"0\"\n  annotations:\n    os.modelarts/description: made from yaml\n\
             spec:\n  type: Dedicate\n  scope: [Train]\n  resources:\n  - flavor: {FLAVOR}\n    count: 2\n  \
             network:\n    name: net-yaml\n"
        ),
    );
    let out = s.ok(&["pool", "create", "-f", yaml.to_str().unwrap()]);
    assert_eq!(
        out,
        format!("pool/{} created\n", respool_testkit::pool_name("from-yaml"))
    );
    let got = json(&s.ok(&["pool", "get", "from-yaml", "-o", "json"]));
    assert_eq!(
        got["metadata"]["annotations"]["os.modelarts/description"],
        "made from yaml"
    );
    assert_eq!(got["spec"]["resources"][0]["count"], 2);

    // What `get -o json` prints is a valid create body (status and generated fields aside).
    let body = format!(
        r#"{{"metadata":{{"labels":{{"os.modelarts/name":"from-json"}}}},"spec":{{"type":"Dedicate","scope":["Infer"],"resources":[{{"flavor":"{FLAVOR}","count":1}}],"network":{{"name":"n"}}}}}}"#
    );
    let file = s.write("pool.json", &body);
    let created = json(&s.ok(&[
        "pool",
        "create",
        "--filename",
        file.to_str().unwrap(),
        "-o",
        "json",
    ]));
    assert_eq!(
        created["metadata"]["name"],
        respool_testkit::pool_name("from-json")
    );

    s.cli()
        .args(["pool", "create", "-f", "-"])
        .write_stdin(body.replace("from-json", "from-stdin"))
        .assert()
        .success()
        .stdout(format!(
            "pool/{} created\n",
            respool_testkit::pool_name("from-stdin")
        ));

    let bad = s.write("bad.yaml", "spec: [unclosed");
    let err = s.fails(&["pool", "create", "-f", bad.to_str().unwrap()], 1);
    assert!(err.contains("not valid YAML"), "{err}");
    s.fails(&["pool", "create", "-f", "/no/such/file.yaml"], 1);
    // -f and flags do not mix.
    s.fails(
        &[
            "pool",
            "create",
            "-f",
            yaml.to_str().unwrap(),
            "--name",
            "x",
        ],
        2,
    );
}

#[test]
fn errors_print_code_and_message_and_exit_with_documented_codes() {
    let s = Server::start("immediate");
    create(&s, "dupe", &[]);

    // 409: the API's error code and message, exit 7.
    let err = s.fails(
        &[
            "pool",
            "create",
            "--name",
            "dupe",
            "--flavor",
            FLAVOR,
            "--network",
            "n",
        ],
        7,
    );
    assert!(
        err.contains("ModelArts.50015000") && err.contains("Pool already exists"),
        "{err}"
    );
    // 400 from validation.
    let err = s.fails(
        &[
            "pool",
            "create",
            "--name",
            "nonet",
            "--flavor",
            "no.such.flavor",
            "--network",
            "n",
        ],
        7,
    );
    assert!(err.contains("ModelArts.50004000"), "{err}");
    // 404.
    let err = s.fails(&["pool", "delete", "ghost"], 6);
    assert!(err.starts_with("error: ModelArts.50015001"), "{err}");
    // 401: a flag overrides the environment's secret key.
    let err = s.fails(&["pool", "list", "--sk", "not-the-secret"], 5);
    assert!(err.contains("APIGW.0301"), "{err}");
    // Nobody listening.
    let dead = format!("http://127.0.0.1:{}", respool_testkit::free_port());
    let err = s.fails(&["pool", "list", "--endpoint", &dead], 4);
    assert!(err.contains("cannot reach"), "{err}");
    // No credentials anywhere.
    let err = s
        .bare()
        .args(["pool", "list"])
        .assert()
        .code(3)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(
        err.contains("HUAWEICLOUD_SDK_AK") && err.contains("credentials.json"),
        "{err}"
    );
    // A wrong command line.
    s.fails(&["pool", "scale", "dupe"], 2);
    s.fails(&["pool", "wait", "dupe", "--for", "ready"], 2);
    s.fails(&["pool", "wait", "dupe", "--timeout", "soon"], 2);
}

#[test]
fn credentials_come_from_the_data_dir_that_serve_wrote() {
    let s = Server::with(Options {
        with_key: false,
        ..Options::default()
    });
    assert!(s.data_dir().join("credentials.json").exists());
    // RESPOOL_DATA_DIR (set by cli()) leads to credentials.json, endpoint included.
    s.bare()
        .env("RESPOOL_DATA_DIR", s.data_dir())
        .args(["pool", "list", "-o", "json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"kind\": \"PoolList\""));
    // So does --data-dir.
    s.bare()
        .args(["pool", "list", "--data-dir"])
        .arg(s.data_dir())
        .assert()
        .success();
    // ./respool-data is the default.
    std::os::unix::fs::symlink(s.data_dir(), s.cwd.path().join("respool-data")).unwrap();
    s.bare().args(["pool", "list"]).assert().success();
    // The SDK variables win over the file.
    s.bare()
        .env("RESPOOL_DATA_DIR", s.data_dir())
        .env(
            "HUAWEICLOUD_SDK_PROJECT_ID",
            "ffffffffffffffffffffffffffffffff",
        )
        .args(["pool", "list"])
        .assert()
        .code(5);
}

#[test]
fn wait_shows_progress_and_ends_with_the_result() {
    let s = Server::start("fast");
    let name = respool_testkit::pool_name("waiter");
    let out = s
        .run(&[
            "pool",
            "create",
            "--name",
            "waiter",
            "--flavor",
            FLAVOR,
            "--count",
            "2",
            "--network",
            "n",
            "--wait",
            "--timeout",
            "60s",
        ])
        .success();
    let output = out.get_output();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stdout.starts_with(&format!("pool/{name} created\n")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "pool/{name} is Running (2/2 nodes available) after"
        )),
        "{stdout}"
    );
    assert!(
        stderr.contains("0/2 nodes available  Creating (2 creating)"),
        "{stderr}"
    );

    let out = s.ok(&[
        "pool", "scale", "waiter", "--count", "3", "--wait", "-o", "json",
    ]);
    assert!(out.contains("is Running (3/3 nodes available)"), "{out}");
    let json_start = out.find('{').unwrap();
    assert_eq!(
        json(&out[json_start..])["status"]["resources"]["available"][0]["count"],
        3
    );

    let out = s.ok(&[
        "pool",
        "wait",
        "waiter",
        "--for",
        "phase=Running",
        "--timeout",
        "10s",
    ]);
    assert!(out.starts_with(&format!("pool/{name} is Running")), "{out}");

    let out = s.ok(&["pool", "delete", &name, "--wait"]);
    assert!(out.contains(&format!("pool/{name} deleted after")), "{out}");
    // Waiting for a deletion that is over succeeds at once.
    assert_eq!(
        s.ok(&["pool", "wait", &name, "--for", "delete"]),
        format!("pool/{name} deleted\n")
    );
}

#[test]
fn wait_fails_on_an_injected_failure_and_on_timeout() {
    let s = Server::with(Options {
        timing: "fast",
        admin: true,
        ..Options::default()
    });
    s.add_fault("doomed=yes", "creation-fails");
    let err = s.fails(
        &[
            "pool",
            "create",
            "--name",
            "doomed",
            "--flavor",
            FLAVOR,
            "--network",
            "n",
            "--label",
            "doomed=yes",
            "--wait",
            "--timeout",
            "60s",
        ],
        8,
    );
    assert!(err.contains("CreationFailed"), "{err}");
    assert!(
        err.contains(&format!(
            "error: pool \"{}\" is CreationFailed",
            respool_testkit::pool_name("doomed")
        )),
        "{err}"
    );
    // `pool wait` on a failed pool fails the same way at once.
    s.fails(&["pool", "wait", "doomed"], 8);

    // A scale-up whose new nodes fail ends the wait with ScalingFailed.
    create(&s, "grower", &["--label", "grow=fails"]);
    s.ok(&["pool", "wait", "grower", "--timeout", "30s"]);
    s.add_fault("grow=fails", "scaling-fails");
    let err = s.fails(
        &[
            "pool",
            "scale",
            "grower",
            "--count",
            "2",
            "--wait",
            "--timeout",
            "30s",
        ],
        8,
    );
    assert!(err.contains("is ScalingFailed"), "{err}");

    // A deletion that never ends times out.
    create(&s, "sticky", &["--label", "stuck=yes"]);
    s.add_fault("stuck=yes", "delete-stuck");
    let err = s.fails(
        &["pool", "delete", "sticky", "--wait", "--timeout", "1s"],
        9,
    );
    assert!(
        err.contains("to be deleted") && err.contains("Deleting"),
        "{err}"
    );

    create(&s, "slowpoke", &["--count", "2"]);
    let err = s.fails(&["pool", "wait", "slowpoke", "--timeout", "300ms"], 9);
    assert!(
        err.contains("timed out") && err.contains("Creating"),
        "{err}"
    );
    // A phase that never comes also times out.
    let err = s.fails(
        &[
            "pool",
            "wait",
            "slowpoke",
            "--for",
            "phase=Abnormal",
            "--timeout",
            "1s",
        ],
        9,
    );
    assert!(err.contains("become Abnormal"), "{err}");
}

#[test]
fn node_commands_list_get_and_delete() {
    let s = Server::start("immediate");
    let pool = create(&s, "nodes", &["--count", "3"]);
    let list = json(&s.ok(&["node", "list", "nodes", "-o", "json"]));
    assert_eq!(list["kind"], "NodeList");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    let node_names: Vec<&str> = items
        .iter()
        .map(|n| n["metadata"]["name"].as_str().unwrap())
        .collect();
    // Paging one node at a time gives the same nodes.
    let paged = json(&s.ok(&["node", "list", &pool, "--page-size", "1", "-o", "json"]));
    assert_eq!(paged["items"], list["items"]);

    let table = s.ok(&["node", "list", "nodes"]);
    assert!(table.starts_with("NAME "), "{table}");
    for col in ["PHASE", "FLAVOR", "AZ", "IP", "AGE"] {
        assert!(table.lines().next().unwrap().contains(col), "{table}");
    }
    assert_eq!(table.lines().count(), 4, "{table}");
    assert!(table.contains("Available"), "{table}");
    assert!(s.ok(&["node", "ls", "nodes", "-o", "wide"]).contains("CPU"));
    let yaml: Value =
        serde_norway::from_str(&s.ok(&["node", "list", "nodes", "-o", "yaml"])).unwrap();
    assert_eq!(yaml, list);

    let one = json(&s.ok(&["node", "get", "nodes", node_names[0], "-o", "json"]));
    assert_eq!(one["metadata"]["name"], node_names[0]);
    assert!(s
        .ok(&["node", "get", "nodes", node_names[0]])
        .contains(node_names[0]));
    s.fails(&["node", "get", "nodes", "no-such-node"], 6);

    let out = s.ok(&[
        "node",
        "delete",
        "nodes",
        node_names[0],
        node_names[1],
        "--wait",
    ]);
    assert!(
        out.contains(&format!("node/{} deleting", node_names[0])),
        "{out}"
    );
    assert!(out.contains("2 node(s) deleted"), "{out}");
    let after = json(&s.ok(&["node", "list", "nodes", "-o", "json"]));
    assert_eq!(after["items"].as_array().unwrap().len(), 1);
    let pool_now = json(&s.ok(&["pool", "get", &pool, "-o", "json"]));
    assert_eq!(pool_now["spec"]["resources"][0]["count"], 1);
}

#[test]
fn completions_and_help() {
    let s = Server::start("immediate");
    for shell in ["bash", "zsh", "fish"] {
        s.bare()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains("respool"))
            .stdout(predicate::str::contains("pool"));
    }
    s.bare()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes:"))
        .stdout(predicate::str::contains("HUAWEICLOUD_SDK_AK"));
    s.bare()
        .args(["pool", "create", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--wait"));
    let _ = PROJECT;
}
