//! `respool workload`, `respool quota` and `respool network ips` against a
//! real `respool serve` with its admin API on.

mod cli_support;

use cli_support::{Options, Server};
use respool_testkit::{ADMIN_TOKEN, FLAVOR};
use serde_json::Value;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn server() -> Server {
    Server::with(Options {
        admin: true,
        ..Options::default()
    })
}

#[test]
fn workloads_are_added_listed_counted_and_deleted() {
    let s = server();
    s.ok(&[
        "pool",
        "create",
        "--name",
        "cliwl",
        "--flavor",
        FLAVOR,
        "--count",
        "1",
        "--network",
        "net-cli",
        "--wait",
        "--timeout",
        "60s",
    ]);
    let out = s.ok(&[
        "workload",
        "add",
        "cliwl",
        "first",
        "--request",
        "cpu=1",
        "--request",
        "memory=1Gi",
        "--admin-token",
        ADMIN_TOKEN,
    ]);
    assert!(out.starts_with("workload/first is Running on "), "{out}");
    let out = s.ok(&[
        "workload",
        "add",
        "cliwl",
        "second",
        "--type",
        "infer",
        "--request",
        "cpu=64",
        "--admin-token",
        ADMIN_TOKEN,
    ]);
    assert_eq!(out.trim(), "workload/second is Queue");

    let list = json(&s.ok(&["workload", "list", "cliwl", "-o", "json"]));
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["first", "second"]);
    let table = s.ok(&["workload", "list", "cliwl", "--status", "Queue"]);
    assert!(
        table.contains("second") && !table.contains("first"),
        "{table}"
    );

    let stats = json(&s.ok(&["workload", "stats", "cliwl", "-o", "json"]));
    assert_eq!(stats["statistics"]["total"], 2);
    let metrics = json(&s.ok(&["workload", "metrics", "-o", "json"]));
    let item = &metrics["items"][0];
    assert_eq!(item["table"]["allocated"]["value"]["cpu"], "1000m");
    assert_eq!(item["table"]["workload"]["queue"]["sum"], 1);

    assert_eq!(
        s.ok(&[
            "workload",
            "delete",
            "cliwl",
            "first",
            "--admin-token",
            ADMIN_TOKEN
        ])
        .trim(),
        "workload/first deleted"
    );
    let err = s.fails(
        &[
            "workload",
            "delete",
            "cliwl",
            "first",
            "--admin-token",
            ADMIN_TOKEN,
        ],
        6,
    );
    assert!(err.contains("ModelArts.50015001"), "{err}");
    let err = s.fails(
        &[
            "workload",
            "add",
            "cliwl",
            "bad",
            "--request",
            "cpu=lots",
            "--admin-token",
            ADMIN_TOKEN,
        ],
        7,
    );
    assert!(err.contains("resources.cpu"), "{err}");
}

#[test]
fn quotas_are_shown_set_and_enforced_and_network_addresses_counted() {
    let s = server();
    let ws = json(&s.ok(&["quota", "show", "--workspace", "0", "-o", "json"]));
    assert!(ws
        .as_array()
        .unwrap()
        .iter()
        .any(|q| q["resource"] == "modelarts.pool" && q["quota"] == -1));
    let out = s.ok(&["quota", "set", "modelarts.pool=1"]);
    assert_eq!(out.trim(), "quota/modelarts.pool set to 1");
    s.ok(&[
        "pool",
        "create",
        "--name",
        "cliq-one",
        "--flavor",
        FLAVOR,
        "--count",
        "1",
        "--network",
        "net-cli",
    ]);
    let err = s.fails(
        &[
            "pool",
            "create",
            "--name",
            "cliq-two",
            "--flavor",
            FLAVOR,
            "--count",
            "1",
            "--network",
            "net-cli",
        ],
        7,
    );
    assert!(err.contains("ModelArts.0116"), "{err}");
    let err = s.fails(&["quota", "set", "modelarts.pool=5000"], 7);
    assert!(err.contains("ModelArts.50004000"), "{err}");

    let os = s.ok(&["quota", "os", "network=7", "--admin-token", ADMIN_TOKEN]);
    assert!(os.contains("network") && os.contains('7'), "{os}");
    let os = json(&s.ok(&["quota", "show", "-o", "json"]));
    let pool = os["quotas"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "pool")
        .unwrap()
        .clone();
    assert_eq!(pool["used"], "1");

    s.ok(&[
        "network",
        "create",
        "--name",
        "cli-ips",
        "--cidr",
        "192.168.7.0/24",
    ]);
    let ips = json(&s.ok(&["network", "ips", "cli-ips", "-o", "json"]));
    assert_eq!(ips["subnetIpAvailability"][0]["totalIps"], 253);
    assert_eq!(ips["subnetIpAvailability"][0]["usedIps"], 0);
    let table = s.ok(&["network", "ips", "cli-ips"]);
    assert!(
        table.contains("192.168.7.0/24") && table.contains("253"),
        "{table}"
    );
}
