//! `respool flavor|network|workspace|stats|events|orders|order` and
//! `respool pool tags|tag|untag` against a real `respool serve`.

mod cli_support;

use cli_support::Server;
use predicates::prelude::*;
use respool_testkit::{FLAVOR, PROJECT};
use serde_json::Value;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn yaml(text: &str) -> Value {
    serde_norway::from_str(text).unwrap_or_else(|e| panic!("not YAML ({e}): {text}"))
}

/// The columns of a table's header line.
fn header(table: &str) -> Vec<String> {
    table
        .lines()
        .next()
        .unwrap_or_default()
        .split("   ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The line of a table that starts with `first`.
fn row<'a>(table: &'a str, first: &str) -> &'a str {
    table
        .lines()
        .find(|l| l.split_whitespace().next() == Some(first))
        .unwrap_or_else(|| panic!("no row {first:?} in\n{table}"))
}

fn cells(line: &str) -> Vec<&str> {
    line.split("   ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

fn names(list: &Value, key: &str) -> Vec<String> {
    list[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {list}"))
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn flavor_list_in_every_format_with_selector_and_paging() {
    let s = Server::start("immediate");
    let table = s.ok(&["flavor", "list"]);
    assert_eq!(
        header(&table),
        [
            "NAME",
            "TYPE",
            "ARCH",
            "CPU",
            "MEMORY",
            "ACCELERATOR",
            "SCOPES",
            "AZS IN STOCK"
        ]
    );
    assert_eq!(
        cells(row(&table, FLAVOR)),
        [
            FLAVOR,
            "Dedicate",
            "x86",
            "4",
            "16Gi",
            "<none>",
            "Train,Infer,Notebook",
            "local-1a,local-1b,local-1c"
        ]
    );
    let a100 = cells(row(&table, "modelarts.bm.gpu.a100.8"));
    assert_eq!(a100[5], "8x nvidia-a100 (80Gi)");
    assert_eq!(a100[7], "local-1a,local-1c", "local-1b is sold out");

    let wide = s.ok(&["flavor", "list", "-o", "wide"]);
    for col in ["SOLD OUT", "BOOT", "ROOT VOLUME", "DATA VOLUMES", "BILLING"] {
        assert!(header(&wide).contains(&col.to_owned()), "{col} in {wide}");
    }
    let a100 = cells(row(&wide, "modelarts.bm.gpu.a100.8"));
    assert_eq!(a100[8..10], ["local-1b", "LocalDisk"]);

    let list = json(&s.ok(&["flavor", "list", "-o", "json"]));
    assert_eq!(list["kind"], "ResourceFlavorList");
    assert_eq!(list["apiVersion"], "v1");
    let all = names(&list, "items");
    assert_eq!(all.len(), table.lines().count() - 1, "one row per flavor");
    assert_eq!(yaml(&s.ok(&["flavor", "list", "-o", "yaml"])), list);
    // One flavor per request: the same list, every page followed.
    let paged = json(&s.ok(&["flavors", "ls", "--page-size", "1", "-o", "json"]));
    assert_eq!(paged, list);

    let bm = json(&s.ok(&[
        "flavor",
        "list",
        "-l",
        "os.modelarts.flavor/baremetal=true",
        "-o",
        "json",
    ]));
    let bm_items = bm["items"].as_array().unwrap();
    assert!(!bm_items.is_empty() && bm_items.len() < all.len(), "{bm}");
    assert!(bm_items
        .iter()
        .all(|f| f["metadata"]["labels"]["os.modelarts.flavor/baremetal"] == "true"));
    assert!(names(&bm, "items").contains(&"modelarts.bm.gpu.a100.8".to_owned()));
    s.run(&["flavor", "list", "-l", "os.modelarts/scope=Nothing"])
        .success()
        .stdout("")
        .stderr("No flavors found.\n");

    let err = s.fails(&["flavor", "list", "-l", "a in (b"], 7);
    assert!(
        err.contains("ModelArts.50004000") && err.contains("labelSelector"),
        "{err}"
    );
    s.fails(&["flavor", "list", "--page-size", "0"], 2);
    s.fails(&["flavor", "list", "-o", "xml"], 2);
    let err = s.fails(&["flavor", "list", "--sk", "wrong"], 5);
    assert!(err.contains("APIGW.0301"), "{err}");
}

#[test]
fn network_create_wait_list_get_and_delete() {
    let s = Server::start("fast");
    let name = format!("net-main-{PROJECT}");

    // --wait: progress on standard error, the result on standard output.
    let out = s
        .run(&[
            "network",
            "create",
            "--name",
            "net-main",
            "--cidr",
            "192.168.0.0/16",
            "--label",
            "team=ml",
            "--description",
            "the main one",
            "--wait",
            "--timeout",
            "30s",
        ])
        .success();
    let o = out.get_output();
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stdout.starts_with(&format!(
            "network/{name} created\nnetwork/{name} is Active after "
        )),
        "{stdout}"
    );
    assert!(
        stderr.contains(&format!("network/{name}  Creating")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("network/{name}  Active")),
        "{stderr}"
    );

    // A wait that runs out of time: exit 9, with the phase last seen.
    let err = s.fails(
        &[
            "network",
            "create",
            "--name",
            "net-slow",
            "--cidr",
            "172.18.0.0/16",
            "--wait",
            "--timeout",
            "200ms",
        ],
        9,
    );
    assert!(
        err.contains("timed out") && err.contains("become Active") && err.contains("Creating"),
        "{err}"
    );

    // Without --wait: a message, or the object (no phase yet).
    assert_eq!(
        s.ok(&[
            "network",
            "create",
            "--name",
            "net-two",
            "--cidr",
            "172.16.0.0/16"
        ]),
        format!("network/net-two-{PROJECT} created\n")
    );
    let created = json(&s.ok(&[
        "network",
        "create",
        "--name",
        "net-three",
        "--cidr",
        "172.17.0.0/24",
        "-o",
        "json",
    ]));
    assert_eq!(created["metadata"]["name"], format!("net-three-{PROJECT}"));
    assert_eq!(created["status"]["phase"], "");

    let table = s.ok(&["network", "list"]);
    assert_eq!(
        header(&table),
        ["NAME", "DISPLAY NAME", "CIDR", "PHASE", "AGE"]
    );
    assert_eq!(table.lines().count(), 5, "{table}");
    let main = cells(row(&table, &name));
    assert_eq!(main[1..4], ["net-main", "192.168.0.0/16", "Active"]);
    let wide = s.ok(&["network", "ls", "-o", "wide"]);
    assert_eq!(
        header(&wide),
        [
            "NAME",
            "DISPLAY NAME",
            "CIDR",
            "PHASE",
            "WORKSPACE",
            "SUBNET ID",
            "PEERINGS",
            "SFS TURBO",
            "AGE"
        ]
    );
    assert_eq!(cells(row(&wide, &name))[4], "0");

    let list = json(&s.ok(&["network", "list", "-o", "json"]));
    assert_eq!(list["kind"], "NetworkList");
    assert_eq!(names(&list, "items").len(), 4);
    assert_eq!(yaml(&s.ok(&["network", "list", "-o", "yaml"])), list);
    let paged = json(&s.ok(&["network", "list", "--page-size", "1", "-o", "json"]));
    assert_eq!(names(&paged, "items"), names(&list, "items"));
    let ml = json(&s.ok(&["network", "list", "-l", "team=ml", "-o", "json"]));
    assert_eq!(names(&ml, "items"), std::slice::from_ref(&name));
    s.run(&["network", "list", "-l", "team=none"])
        .success()
        .stdout("")
        .stderr("No networks found.\n");
    let err = s.fails(&["network", "list", "--workspace", "nowhere"], 7);
    assert!(err.contains("ModelArts.7005"), "{err}");

    // get: by display name or name, in every format.
    let one = json(&s.ok(&["network", "get", "net-main", "-o", "json"]));
    assert_eq!(one["metadata"]["name"], name.as_str());
    assert_eq!(one["status"]["phase"], "Active");
    assert_eq!(
        one["metadata"]["annotations"]["os.modelarts/description"],
        "the main one"
    );
    assert_eq!(yaml(&s.ok(&["network", "get", &name, "-o", "yaml"])), one);
    let t = s.ok(&["network", "get", &name]);
    assert_eq!(t.lines().count(), 2, "{t}");
    assert!(s
        .ok(&["network", "get", &name, "-o", "wide"])
        .contains("SUBNET ID"));

    // Errors: 409 exists, 400 invalid CIDR, 400 in use, 404 not found.
    let err = s.fails(
        &[
            "network",
            "create",
            "--name",
            "net-main",
            "--cidr",
            "192.168.0.0/16",
        ],
        7,
    );
    assert!(
        err.contains("ModelArts.50025000") && err.contains("HTTP 409"),
        "{err}"
    );
    let err = s.fails(
        &[
            "network",
            "create",
            "--name",
            "net-bad",
            "--cidr",
            "10.0.0.0/8",
        ],
        7,
    );
    assert!(
        err.contains("ModelArts.50004000") && err.contains("spec.cidr"),
        "{err}"
    );
    s.fails(
        &[
            "network",
            "create",
            "--name",
            "net-x",
            "--cidr",
            "172.16.0.0/16",
            "--label",
            "nokey",
        ],
        2,
    );
    s.fails(&["network", "create", "--name", "net-x"], 2);
    s.create_pool("user", &name, &[]);
    let err = s.fails(&["network", "delete", "net-main"], 7);
    assert!(err.contains("used by resource pool"), "{err}");

    assert_eq!(
        s.ok(&[
            "network",
            "delete",
            "net-two",
            &format!("net-three-{PROJECT}")
        ]),
        format!("network/net-two-{PROJECT} deleted\nnetwork/net-three-{PROJECT} deleted\n")
    );
    let err = s.fails(&["network", "get", "net-two"], 6);
    assert!(
        err.contains("ModelArts.50025001") && err.contains("Network not exist"),
        "{err}"
    );
    s.fails(&["network", "delete", "net-two"], 6);
    s.fails(&["network", "get", "no-such-network", "-o", "json"], 6);
}

#[test]
fn workspace_list_get_create_and_delete() {
    let s = Server::start("immediate");
    let out = s.ok(&[
        "workspace",
        "create",
        "--name",
        "team-a",
        "--description",
        "team A",
    ]);
    let id = out
        .strip_prefix("workspace/")
        .and_then(|r| r.strip_suffix(" created (team-a)\n"))
        .unwrap_or_else(|| panic!("{out}"))
        .to_owned();
    assert_eq!(id.len(), 32, "{out}");
    let b = json(&s.ok(&["workspace", "create", "--name", "team-b", "-o", "json"]));
    assert_eq!(b["name"], "team-b");
    assert_eq!(b["status"], "NORMAL");

    let table = s.ok(&["workspace", "list"]);
    assert_eq!(
        header(&table),
        ["ID", "NAME", "STATUS", "AUTH TYPE", "OWNER", "AGE"]
    );
    let lines: Vec<&str> = table.lines().skip(1).collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert_eq!(cells(lines[0])[..4], ["0", "default", "NORMAL", "PUBLIC"]);
    assert_eq!(cells(row(&table, &id))[1], "team-a");
    let wide = s.ok(&["workspace", "ls", "-o", "wide"]);
    assert!(header(&wide).ends_with(&[
        "ENTERPRISE PROJECT".to_owned(),
        "UPDATED".to_owned(),
        "DESCRIPTION".to_owned()
    ]));
    assert!(row(&wide, &id).ends_with("team A"), "{wide}");

    let list = json(&s.ok(&["workspace", "list", "-o", "json"]));
    assert_eq!(list["total_count"], 3);
    assert_eq!(list["workspaces"][1]["name"], "team-a");
    assert_eq!(yaml(&s.ok(&["workspace", "list", "-o", "yaml"])), list);
    let teams = json(&s.ok(&["workspace", "list", "--name", "TEAM", "-o", "json"]));
    assert_eq!(teams["count"], 2);
    s.run(&["workspace", "list", "--name", "zzz"])
        .success()
        .stdout("")
        .stderr("No workspaces found.\n");

    // get: by id or by name.
    let one = json(&s.ok(&["workspace", "get", &id, "-o", "json"]));
    assert_eq!(one["description"], "team A");
    assert_eq!(
        yaml(&s.ok(&["workspace", "get", "team-a", "-o", "yaml"])),
        one
    );
    assert!(s.ok(&["workspace", "get", "0"]).contains("default"));

    // Refusals: a pool in the workspace, the default workspace, an invalid name.
    let pool = s.create_pool("in-team-a", "n", &["--workspace", &id]);
    let err = s.fails(&["workspace", "delete", "team-a"], 7);
    assert!(err.contains("resource pool"), "{err}");
    let err = s.fails(&["workspace", "delete", "0"], 7);
    assert!(err.contains("default workspace"), "{err}");
    let err = s.fails(&["workspace", "create", "--name", "a!"], 7);
    assert!(err.contains("ModelArts.50004000"), "{err}");
    s.fails(&["workspace", "create"], 2);

    s.ok(&["pool", "delete", &pool, "--wait"]);
    assert_eq!(
        s.ok(&["workspace", "delete", "team-a", b["id"].as_str().unwrap()]),
        format!(
            "workspace/{id} deleted\nworkspace/{} deleted\n",
            b["id"].as_str().unwrap()
        )
    );
    // An unknown workspace is the API's 400 ModelArts.7005 (exit 7).
    let err = s.fails(&["workspace", "delete", &id], 7);
    assert!(err.contains("ModelArts.7005"), "{err}");
    s.fails(&["workspace", "get", "team-a"], 7);
}

#[test]
fn stats_count_pools_per_state() {
    let s = Server::start("immediate");
    s.create_pool("stat-one", "n", &[]);
    s.create_pool("stat-two", "n", &["--count", "2"]);
    let table = s.ok(&["stats"]);
    assert_eq!(
        header(&table),
        [
            "WORKSPACE",
            "CREATED",
            "CREATING",
            "PENDING",
            "FAILED",
            "DELETING"
        ]
    );
    assert_eq!(
        cells(table.lines().nth(1).unwrap()),
        ["0", "2", "0", "0", "0", "0"]
    );
    let wide = s.ok(&["stats", "-o", "wide"]);
    assert_eq!(header(&wide).last().map(String::as_str), Some("AT"));
    assert!(wide.contains("+0000 UTC"), "{wide}");

    let j = json(&s.ok(&["stats", "-o", "json"]));
    assert_eq!(j["statistics"]["status"]["created"], 2);
    assert!(j["operationTime"].is_string());
    let y = yaml(&s.ok(&["stats", "-o", "yaml"]));
    assert_eq!(y["statistics"], j["statistics"]);

    // Another workspace, by name: none of the pools.
    s.ok(&["workspace", "create", "--name", "empty-ws"]);
    let t = s.ok(&["stats", "--workspace", "empty-ws"]);
    let c = cells(t.lines().nth(1).unwrap());
    assert_eq!(c[0].len(), 32, "the id: {t}");
    assert_eq!(c[1..], ["0", "0", "0", "0", "0"]);
    assert_eq!(
        json(&s.ok(&["stats", "--workspace", "0", "-o", "json"]))["statistics"],
        j["statistics"]
    );
    let err = s.fails(&["stats", "--workspace", "nowhere"], 7);
    assert!(err.contains("ModelArts.7005"), "{err}");
    s.fails(&["stats", "-o", "csv"], 2);
}

#[test]
fn pool_tags_tag_and_untag() {
    let s = Server::start("immediate");
    let name = s.create_pool("tagged", "n", &[]);
    let other = s.create_pool("other", "n", &[]);
    s.run(&["pool", "tags", "tagged"])
        .success()
        .stdout("")
        .stderr("No tags found.\n");

    assert_eq!(
        s.ok(&["pool", "tag", "tagged", "team=ml", "env=dev", "note="]),
        format!("pool/{name} tagged: team=ml, env=dev, note=\n")
    );
    let table = s.ok(&["pool", "tags", &name]);
    assert_eq!(header(&table), ["KEY", "VALUE"]);
    assert_eq!(cells(row(&table, "team")), ["team", "ml"]);
    assert_eq!(cells(row(&table, "env")), ["env", "dev"]);
    assert_eq!(table.lines().count(), 4, "{table}");
    // A known key gets the new value; -o prints the tags.
    let now = json(&s.ok(&["pool", "tag", "tagged", "env=prod", "-o", "json"]));
    let env = now["tags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == "env")
        .unwrap();
    assert_eq!(env["values"], serde_json::json!(["prod"]));
    let j = json(&s.ok(&["pool", "tags", "tagged", "-o", "json"]));
    assert_eq!(j, now);
    assert_eq!(yaml(&s.ok(&["pool", "tags", "tagged", "-o", "yaml"])), j);
    assert_eq!(
        s.ok(&["pool", "tags", "tagged", "-o", "wide"]),
        s.ok(&["pool", "tags", "tagged"]),
        "tags have no more columns to show"
    );

    // Without a pool: every key of the project with all its values.
    s.ok(&["pool", "tag", &other, "env=test"]);
    let all = s.ok(&["pool", "tags"]);
    assert_eq!(header(&all), ["KEY", "VALUES"]);
    let env_values = cells(row(&all, "env"))[1].to_owned();
    let mut v: Vec<&str> = env_values.split(',').collect();
    v.sort();
    assert_eq!(v, ["prod", "test"]);
    let all_json = json(&s.ok(&["pool", "tags", "-o", "json"]));
    assert_eq!(all_json["tags"].as_array().unwrap().len(), 3);

    // untag: KEY, or KEY=VALUE only when the value matches.
    assert_eq!(
        s.ok(&["pool", "untag", "tagged", "team", "note"]),
        format!("pool/{name} untagged: team, note\n")
    );
    let left = json(&s.ok(&["pool", "untag", "tagged", "env=nope", "-o", "json"]));
    assert_eq!(left["tags"].as_array().unwrap().len(), 1, "{left}");
    let left = json(&s.ok(&["pool", "untag", "tagged", "env=prod", "-o", "json"]));
    assert_eq!(left["tags"], serde_json::json!([]));

    // Errors.
    let err = s.fails(&["pool", "tags", "ghost"], 6);
    assert!(err.contains("ModelArts.50015001"), "{err}");
    s.fails(&["pool", "tag", "ghost", "a=b"], 6);
    s.fails(&["pool", "untag", "ghost", "a"], 6);
    let err = s.fails(&["pool", "tag", "tagged", "bad*key=x"], 7);
    assert!(err.contains("ModelArts.50004000"), "{err}");
    s.fails(&["pool", "tag", "tagged", "novalue"], 2);
    s.fails(&["pool", "tag", "tagged"], 2);
    s.fails(&["pool", "untag", "tagged"], 2);
}

#[test]
fn events_and_orders_of_a_pool() {
    let s = Server::start("immediate");
    let name = s.create_pool("evented", "n", &["--count", "2"]);
    s.ok(&["pool", "scale", "evented", "--count", "3"]);
    s.create_pool("bystander", "n", &[]);

    // events: oldest first, kubectl's columns.
    let table = s.ok(&["events", "evented"]);
    assert_eq!(
        header(&table),
        ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    );
    let rows: Vec<&str> = table.lines().skip(1).collect();
    assert!(rows.len() >= 3, "{table}");
    assert!(
        rows.iter().all(|r| r.contains(&format!("pool/{name}"))),
        "{table}"
    );
    assert!(table.contains("PoolStatusChange"), "{table}");
    assert!(table.contains("from Creating to Running"), "{table}");
    let wide = s.ok(&["events", &name, "-o", "wide"]);
    assert!(header(&wide).contains(&"COUNT".to_owned()), "{wide}");
    let list = json(&s.ok(&["events", "evented", "-o", "json"]));
    assert_eq!(list["kind"], "EventList");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), rows.len());
    assert_eq!(yaml(&s.ok(&["events", "evented", "-o", "yaml"])), list);
    let paged = json(&s.ok(&["events", "evented", "--page-size", "1", "-o", "json"]));
    assert_eq!(paged, list, "every page followed");
    s.run(&["events", "evented", "--type", "Warning"])
        .success()
        .stdout("")
        .stderr("No events found.\n");

    // orders: newest first.
    let table = s.ok(&["orders"]);
    assert_eq!(
        header(&table),
        ["NAME", "POOL", "OPERATION", "PHASE", "NODES", "AGE"]
    );
    assert_eq!(table.lines().count(), 4, "three orders: {table}");
    let mine = s.ok(&["orders", "evented"]);
    let lines: Vec<Vec<&str>> = mine.lines().skip(1).map(cells).collect();
    assert_eq!(lines.len(), 2, "{mine}");
    assert_eq!(lines[0][1..5], ["evented", "modify", "successed", "2->3"]);
    assert_eq!(lines[1][1..5], ["evented", "apply", "successed", "0->2"]);
    let wide = s.ok(&["orders", &name, "-o", "wide"]);
    for col in ["ORDER ID", "WORKSPACE", "DURATION", "REASON"] {
        assert!(header(&wide).contains(&col.to_owned()), "{col} in {wide}");
    }
    let orders = json(&s.ok(&["orders", "evented", "-o", "json"]));
    assert_eq!(orders["count"], 2);
    assert_eq!(orders["items"][0]["resourceName"], name.as_str());
    assert_eq!(yaml(&s.ok(&["orders", "evented", "-o", "yaml"])), orders);
    let paged = json(&s.ok(&["orders", "--page-size", "1", "-o", "json"]));
    assert_eq!(paged["count"], 3);
    assert_eq!(
        json(&s.ok(&["orders", "--phase", "successed", "-o", "json"]))["count"],
        3
    );
    s.run(&["orders", "--phase", "failed"])
        .success()
        .stdout("")
        .stderr("No orders found.\n");

    // order: the resources one order acts on.
    let create_order = orders["items"][1]["orderName"].as_str().unwrap();
    let items = s.ok(&["order", create_order]);
    assert_eq!(
        header(&items),
        ["RESOURCE", "ACTION", "STATUS", "STARTED", "UPDATED", "MESSAGE"]
    );
    assert_eq!(cells(row(&items, &name))[1..3], ["createPool", "succeed"]);
    assert_eq!(items.matches("createNode").count(), 2, "{items}");
    let j = json(&s.ok(&["order", create_order, "-o", "json"]));
    assert_eq!(j["count"], 3);
    assert_eq!(yaml(&s.ok(&["order", create_order, "-o", "yaml"])), j);

    // A deleted pool's events and orders stay, found by its display name too.
    s.ok(&["pool", "delete", "evented"]);
    s.fails(&["pool", "get", "evented"], 6);
    let after = json(&s.ok(&["events", "evented", "-o", "json"]));
    assert!(after["items"].as_array().unwrap().len() >= items_len(&list));
    assert!(s.ok(&["events", &name]).contains("PoolStatusChange"));
    assert_eq!(
        json(&s.ok(&["orders", "evented", "-o", "json"]))["items"][0]["operation"],
        "delete"
    );

    // Errors.
    let err = s.fails(&["events", "ghost"], 6);
    assert!(err.contains("ModelArts.50015001"), "{err}");
    s.fails(&["orders", "ghost"], 6);
    let err = s.fails(&["order", "order.ghost-00000"], 6);
    assert!(err.contains("not found"), "{err}");
    s.fails(&["orders", "--phase", "sleeping"], 2);
    s.fails(&["events"], 2);
    s.fails(&["events", "evented", "--type", "Error"], 2);
}

fn items_len(list: &Value) -> usize {
    list["items"].as_array().map_or(0, Vec::len)
}

#[test]
fn help_and_completions_know_the_new_commands() {
    let s = Server::start("immediate");
    let help = s.bare().arg("--help").assert().success();
    let text = String::from_utf8_lossy(&help.get_output().stdout).into_owned();
    for cmd in [
        "flavor",
        "network",
        "workspace",
        "stats",
        "events",
        "orders",
        "order",
    ] {
        assert!(
            text.lines().any(|l| l.trim_start().starts_with(cmd)),
            "{cmd} in {text}"
        );
    }
    s.bare()
        .args(["completions", "bash"])
        .assert()
        .success()
        .stdout(predicate::str::contains("network"))
        .stdout(predicate::str::contains("untag"));
    s.bare()
        .args(["network", "create", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--cidr"))
        .stdout(predicate::str::contains("--wait"));
}

#[test]
fn a_pool_needs_a_network_that_exists_named_by_display_name_or_name() {
    let s = Server::with(cli_support::Options {
        strict_networks: true,
        ..Default::default()
    });
    // Refused as ModelArts refuses it: the server's 400 (exit 7).
    let err = s.fails(
        &[
            "pool",
            "create",
            "--name",
            "no-net",
            "--flavor",
            FLAVOR,
            "--network",
            "net-none",
        ],
        7,
    );
    assert!(
        err.contains("net-none") && err.contains("does not exist"),
        "{err}"
    );
    s.ok(&[
        "network",
        "create",
        "--name",
        "net-real",
        "--cidr",
        "192.168.0.0/16",
    ]);
    // The display name finds the network, as it finds a pool.
    let pool = s.create_pool("on-net", "net-real", &[]);
    let shown = json(&s.ok(&["pool", "get", &pool, "-o", "json"]));
    assert_eq!(
        shown["spec"]["network"]["name"],
        format!("net-real-{PROJECT}")
    );
}
