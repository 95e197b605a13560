//! `respool nodepool list|get|create|scale|delete|nodes` against a real
//! `respool serve`.

mod cli_support;

use cli_support::Server;
use respool_testkit::FLAVOR;
use serde_json::Value;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn node_pools(s: &Server, pool: &str) -> Vec<(String, i64)> {
    json(&s.ok(&["nodepool", "list", pool, "-o", "json"]))["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|np| {
            (
                np["metadata"]["name"].as_str().unwrap().to_owned(),
                np["status"]["resources"]["available"]["count"]
                    .as_i64()
                    .unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn a_node_pool_is_created_scaled_listed_and_deleted() {
    let s = Server::start("fast");
    s.ok(&[
        "pool",
        "create",
        "--name",
        "npcli",
        "--flavor",
        FLAVOR,
        "--count",
        "1",
        "--network",
        "net-np",
        "--wait",
        "--timeout",
        "60s",
    ]);
    let pool = respool_testkit::pool_name("npcli");
    let default = format!("{FLAVOR}-default");
    assert_eq!(node_pools(&s, "npcli"), vec![(default.clone(), 1)]);

    let out = s.ok(&[
        "nodepool",
        "create",
        "npcli",
        "gpu-team",
        "--flavor",
        FLAVOR,
        "--count",
        "2",
        "--label",
        "team=gpu",
        "--taint",
        "dedicated=gpu:NoSchedule",
        "--wait",
        "--timeout",
        "60s",
    ]);
    assert!(out.contains("nodepool/gpu-team created"), "{out}");
    assert!(out.contains("2/2 available"), "{out}");
    assert_eq!(
        node_pools(&s, &pool),
        vec![(default.clone(), 1), ("gpu-team".into(), 2)]
    );
    let table = s.ok(&["nodepool", "list", "npcli"]);
    assert!(table.lines().any(|l| l.starts_with("gpu-team")), "{table}");

    let nodes = json(&s.ok(&["nodepool", "nodes", "npcli", "gpu-team", "-o", "json"]));
    let items = nodes["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items
        .iter()
        .all(|n| n["metadata"]["labels"]["team"] == "gpu"
            && n["spec"]["taints"][0]["effect"] == "NoSchedule"));

    let out = s.ok(&[
        "nodepool",
        "scale",
        "npcli",
        "gpu-team",
        "3",
        "--wait",
        "--timeout",
        "60s",
    ]);
    assert!(out.contains("3/3 available"), "{out}");
    let np = json(&s.ok(&["nodepool", "get", "npcli", "gpu-team", "-o", "json"]));
    assert_eq!(np["spec"]["resources"]["count"], 3);

    let out = s.ok(&[
        "nodepool",
        "delete",
        "npcli",
        "gpu-team",
        "--wait",
        "--timeout",
        "60s",
    ]);
    assert!(out.contains("deleted"), "{out}");
    assert_eq!(node_pools(&s, &pool), vec![(default, 1)]);

    // A bad name is the server's 400, said on standard error (exit code 7).
    let err = s.fails(
        &[
            "nodepool",
            "create",
            "npcli",
            "x-default",
            "--flavor",
            FLAVOR,
        ],
        7,
    );
    assert!(err.contains("invalid nodepool name"), "{err}");
}
