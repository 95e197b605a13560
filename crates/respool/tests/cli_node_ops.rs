//! `respool node lock|unlock|reboot|reset|update|drain|bind|migrate`,
//! `respool job` and `respool event` against a real `respool serve`.

mod cli_support;

use cli_support::{Options, Server};
use respool_testkit::FLAVOR;
use serde_json::Value;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// A running pool of `count` nodes (fast timing): its name and node names.
fn running(s: &Server, display: &str, count: &str) -> (String, Vec<String>) {
    s.ok(&[
        "pool",
        "create",
        "--name",
        display,
        "--flavor",
        FLAVOR,
        "--count",
        count,
        "--network",
        "net-ops",
        "--wait",
        "--timeout",
        "60s",
    ]);
    let name = respool_testkit::pool_name(display);
    let list = json(&s.ok(&["node", "list", &name, "-o", "json"]));
    let nodes = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["metadata"]["name"].as_str().unwrap().to_owned())
        .collect();
    (name, nodes)
}

fn node(s: &Server, pool: &str, node: &str) -> Value {
    json(&s.ok(&["node", "get", pool, node, "-o", "json"]))
}

/// The job id of a `job/ID started` line.
fn job_id(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("job/")?.strip_suffix(" started"))
        .unwrap_or_else(|| panic!("no job in {stdout}"))
        .to_owned()
}

#[test]
fn lock_keeps_a_node_from_deletion_until_unlocked() {
    let s = Server::start("fast");
    let (pool, nodes) = running(&s, "locks", "2");
    // The display name finds the pool too.
    assert_eq!(
        s.ok(&["node", "lock", "locks", &nodes[0]]),
        format!("node/{} locked\n", nodes[0])
    );
    let n = node(&s, &pool, &nodes[0]);
    assert_eq!(
        n["metadata"]["annotations"]["os.modelarts/lock.actions"],
        "delete"
    );
    let err = s.fails(&["node", "delete", &pool, &nodes[0]], 7);
    assert!(err.contains("locked"), "{err}");

    // A name that is no node: said per node, and the command fails.
    let out = s.run(&["node", "lock", &pool, &nodes[1], "ghost"]).code(1);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert_eq!(
        stdout,
        format!("node/{} locked\nnode/ghost failed\n", nodes[1])
    );
    let stderr = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(stderr.contains("ghost"), "{stderr}");

    assert_eq!(
        s.ok(&["node", "unlock", &pool, &nodes[0], &nodes[1]]),
        format!("node/{} unlocked\nnode/{} unlocked\n", nodes[0], nodes[1])
    );
    assert!(node(&s, &pool, &nodes[0])["metadata"]["annotations"]
        .get("os.modelarts/lock.actions")
        .is_none());
    s.ok(&["node", "delete", &pool, &nodes[0]]);

    // drain and bind
    assert_eq!(
        s.ok(&["node", "drain", &pool, &nodes[1]]),
        format!("node/{} drained\n", nodes[1])
    );
    assert_eq!(node(&s, &pool, &nodes[1])["spec"]["unschedulable"], true);
    assert_eq!(
        s.ok(&["node", "bind", &pool, &nodes[1], "--quota", "team-a"]),
        format!("node/{} bound to team-a\n", nodes[1])
    );
    assert_eq!(
        node(&s, &pool, &nodes[1])["metadata"]["labels"]["os.modelarts.node/elastic.quota"],
        "team-a"
    );
    s.fails(&["node", "lock", "no-such-pool", &nodes[1]], 6);
}

#[test]
fn reboot_waits_for_its_job_with_progress() {
    let s = Server::start("fast");
    let (pool, nodes) = running(&s, "reboots", "2");
    let out = s
        .run(&[
            "node",
            "reboot",
            &pool,
            &nodes[0],
            "--wait",
            "--timeout",
            "60s",
        ])
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let id = job_id(&stdout);
    assert!(
        stdout.starts_with(&format!("node/{} rebooting\njob/{id} started\n", nodes[0])),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("job/{id} Success after"))
            && stdout.contains(&format!("(pool/{pool}: 2/2 nodes available)")),
        "{stdout}"
    );
    // The progress: the job's phase, and the node out while it reboots.
    assert!(
        stderr.contains(&format!(
            "job/{id}  1/2 nodes available  RebootNode Running (1 abnormal)"
        )),
        "{stderr}"
    );
    assert_eq!(node(&s, &pool, &nodes[0])["status"]["phase"], "Available");

    let job = json(&s.ok(&["job", "show", &id, "-o", "json"]));
    assert_eq!(job["type"], "RebootNode");
    assert_eq!(job["phase"], "Success");
    let table = s.ok(&["job", "list", "--pool", "reboots"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 2, "{table}");
    assert!(lines[0].starts_with("ID "), "{table}");
    for cell in [id.as_str(), "RebootNode", "Success", nodes[0].as_str()] {
        assert!(lines[1].contains(cell), "{cell} in {table}");
    }
    let err = s.fails(&["job", "show", "no-such-job"], 6);
    assert!(err.contains("ModelArts.50004040"), "{err}");

    // Without --wait: the job id, and the job is still running.
    let out = s.ok(&["node", "reboot", &pool, &nodes[1]]);
    let id = job_id(&out);
    let job = json(&s.ok(&["job", "show", &id, "-o", "json"]));
    assert_eq!(job["phase"], "Running");
    // Rebooting a node that reboots is refused.
    let err = s.fails(&["node", "reboot", &pool, &nodes[1]], 7);
    assert!(err.contains("ModelArts.50004000"), "{err}");
}

#[test]
fn reset_rolls_over_the_nodes_and_installs_the_os() {
    let s = Server::start("fast");
    let (pool, nodes) = running(&s, "resets", "2");
    let out = s.ok(&[
        "node",
        "reset",
        &pool,
        &nodes[0],
        &nodes[1],
        "--strategy",
        "RollingByNumber",
        "--max-unavailable",
        "1",
        "--os",
        "EulerOS 2.10 64bit",
        "--wait",
        "--timeout",
        "60s",
    ]);
    let id = job_id(&out);
    assert!(
        out.starts_with(&format!("2 node(s) of pool/{pool} resetting\n")),
        "{out}"
    );
    assert!(out.contains(&format!("job/{id} Success after")), "{out}");
    for n in &nodes {
        assert_eq!(
            node(&s, &pool, n)["spec"]["os"]["name"],
            "EulerOS 2.10 64bit"
        );
    }
    let job = json(&s.ok(&["job", "show", &id, "-o", "json"]));
    assert_eq!(job["type"], "ResetNode");
    let inputs = json(job["inputs"].as_str().unwrap());
    assert_eq!(inputs["maxUnavailable"], 1);

    // A node deleted under its reset fails the job, and `job wait` says why.
    let id = job_id(&s.ok(&["node", "reset", &pool, &nodes[0]]));
    s.ok(&["node", "delete", &pool, &nodes[0]]);
    let err = s.fails(&["job", "wait", &id, "--timeout", "30s"], 8);
    assert!(
        err.contains(&format!("job \"{id}\" is Failed")) && err.contains("removed"),
        "{err}"
    );
    let out = s.ok(&["job", "wait", &job_id(&out), "--timeout", "5s"]);
    assert!(out.contains("Success after"), "{out}");

    // No node at a time: refused by the service.
    let err = s.fails(
        &[
            "node",
            "reset",
            &pool,
            &nodes[0],
            "--strategy",
            "RollingByNumber",
            "--max-unavailable",
            "0",
        ],
        7,
    );
    assert!(err.contains("ModelArts.50004000"), "{err}");
    // An unknown strategy never leaves the command line.
    s.fails(
        &["node", "reset", &pool, &nodes[0], "--strategy", "Sideways"],
        2,
    );
}

#[test]
fn update_sets_tags_and_ha_redundancy() {
    let s = Server::start("fast");
    let (pool, nodes) = running(&s, "updates", "2");
    assert_eq!(
        s.ok(&[
            "node",
            "update",
            &pool,
            &nodes[0],
            "--tag",
            "team=ml",
            "--tag",
            "tier=gold"
        ]),
        format!("node/{} tagged: team=ml, tier=gold\n", nodes[0])
    );
    let tags = |s: &Server| -> Value {
        let n = node(s, &pool, &nodes[0]);
        json(
            n["metadata"]["annotations"]["os.modelarts/tms.tags"]
                .as_str()
                .unwrap_or("[]"),
        )
    };
    assert_eq!(
        tags(&s),
        serde_json::json!([{"key": "team", "value": "ml"}, {"key": "tier", "value": "gold"}])
    );
    assert_eq!(
        s.ok(&["node", "update", &pool, &nodes[0], "--untag", "tier"]),
        format!("node/{} untagged: tier\n", nodes[0])
    );
    assert_eq!(
        tags(&s),
        serde_json::json!([{"key": "team", "value": "ml"}])
    );

    let out = s.ok(&[
        "node",
        "update",
        &pool,
        &nodes[1],
        "--ha-open",
        "--ha-effect",
        "NoExecute",
    ]);
    assert_eq!(out, format!("node/{} HA redundancy on\n", nodes[1]));
    let n = node(&s, &pool, &nodes[1]);
    assert_eq!(
        n["metadata"]["labels"]["os.modelarts.node/ha.redundant.enabled"],
        "true"
    );
    assert_eq!(
        n["metadata"]["annotations"]["os.modelarts.node/ha.redundant.effect"],
        "NoExecute"
    );
    s.ok(&["node", "update", &pool, &nodes[1], "--ha-close"]);
    assert!(node(&s, &pool, &nodes[1])["metadata"]["labels"]
        .get("os.modelarts.node/ha.redundant.enabled")
        .is_none());

    // A node that is not there: the others are updated, the command fails.
    let out = s
        .run(&["node", "update", &pool, &nodes[1], "ghost", "--ha-close"])
        .code(1);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert_eq!(
        stdout,
        format!("node/{} HA redundancy off\nnode/ghost failed\n", nodes[1])
    );
    // One change per call, and at least one.
    s.fails(&["node", "update", &pool, &nodes[1]], 2);
    s.fails(
        &[
            "node",
            "update",
            &pool,
            &nodes[1],
            "--ha-close",
            "--tag",
            "a=b",
        ],
        2,
    );
    s.fails(
        &[
            "node",
            "update",
            &pool,
            &nodes[1],
            "--ha-effect",
            "NoExecute",
            "--ha-close",
        ],
        2,
    );
}

#[test]
fn migrate_moves_a_node_and_scheduled_events_list_empty() {
    let s = Server::start("fast");
    let (from, nodes) = running(&s, "sources", "2");
    let (into, _) = running(&s, "targets", "1");
    let out = s.ok(&[
        "node",
        "migrate",
        "sources",
        &nodes[0],
        "--to",
        "targets",
        "--flavor",
        FLAVOR,
        "--wait",
        "--timeout",
        "60s",
    ]);
    let id = job_id(&out);
    assert!(
        out.starts_with(&format!("node/{} moving to pool/{into}\n", nodes[0])),
        "{out}"
    );
    assert!(
        out.contains(&format!("job/{id} Success after")) && out.contains("2/2 nodes available"),
        "{out}"
    );
    let left = json(&s.ok(&["node", "list", &from, "-o", "json"]));
    assert_eq!(left["items"].as_array().unwrap().len(), 1);
    let err = s.fails(&["node", "migrate", &from, &nodes[1], "--to", "nowhere"], 6);
    assert!(err.contains("ModelArts.50015001"), "{err}");

    let out = s.run(&["event", "list"]).success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("No scheduled events found."), "{stderr}");
    let list = json(&s.ok(&["event", "list", "-o", "json"]));
    assert_eq!(list["count"], 0);
    let err = s.fails(&["event", "accept", "nope"], 6);
    assert!(err.contains("ModelArts.50004040"), "{err}");
}

#[test]
fn a_scheduled_event_is_listed_and_accepted() {
    let s = Server::with(Options {
        timing: "fast",
        admin: true,
        ..Options::default()
    });
    let (pool, _) = running(&s, "maint", "2");
    s.raise_scheduled_events(
        r#"{"labelSelector": "os.modelarts/name=maint", "type": "node_reboot", "nodes": 1}"#,
    );
    let list = json(&s.ok(&["event", "list", "--pool", "maint", "-o", "json"]));
    assert_eq!(list["count"], 1, "{list}");
    let e = &list["events"][0];
    let id = e["id"].as_str().unwrap().to_owned();
    assert_eq!(e["state"], "inquiring");
    let table = s.ok(&["event", "list", "--state", "inquiring"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 2, "{table}");
    assert!(lines[0].starts_with("ID "), "{table}");
    for cell in [id.as_str(), "node_reboot", "inquiring", "maint"] {
        assert!(lines[1].contains(cell), "{cell} in {table}");
    }
    assert!(
        lines[1].contains(e["nodeName"].as_str().unwrap()),
        "{table}"
    );

    assert_eq!(
        s.ok(&[
            "event",
            "accept",
            &id,
            "--not-before",
            "2099-01-01T00:00:00Z"
        ]),
        format!("event/{id} scheduled\n")
    );
    let list = json(&s.ok(&[
        "event",
        "list",
        "--pool",
        &pool,
        "--state",
        "scheduled",
        "-o",
        "json",
    ]));
    assert_eq!(
        list["events"][0]["notBefore"]
            .as_str()
            .map(|t| t.starts_with("2099-01-01")),
        Some(true),
        "{list}"
    );
    // Accepted once only.
    let err = s.fails(&["event", "accept", &id], 7);
    assert!(err.contains("ModelArts.50004000"), "{err}");
    let err = s.fails(&["event", "list", "--state", "sleeping"], 7);
    assert!(err.contains("ModelArts.50004000"), "{err}");
}
