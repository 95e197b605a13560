//! `respool plugin list|install|upgrade|templates|template` against a real `respool serve`.

mod cli_support;

use cli_support::Server;
use respool_testkit::FLAVOR;
use serde_json::Value;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn plugin(s: &Server, pool: &str, name: &str) -> Value {
    let list = json(&s.ok(&["plugin", "list", pool, "-o", "json"]));
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no plugin {name} in {list}"))
        .clone()
}

#[test]
fn install_and_upgrade_wait_until_running() {
    let s = Server::start("fast");
    s.ok(&[
        "pool",
        "create",
        "--name",
        "plugins",
        "--flavor",
        FLAVOR,
        "--count",
        "1",
        "--network",
        "net-plugins",
        "--wait",
        "--timeout",
        "60s",
    ]);
    let pool = respool_testkit::pool_name("plugins");

    let out = s.ok(&[
        "plugin",
        "install",
        "plugins",
        "node-local-dns",
        "--input",
        "enable_dnsconfig_admission=true",
        "--wait",
        "--timeout",
        "60s",
    ]);
    assert!(
        out.contains("plugin/node-local-dns installing 1.6.0"),
        "{out}"
    );
    assert!(out.contains("plugin/node-local-dns Running 1.6.0"), "{out}");
    let p = plugin(&s, &pool, "node-local-dns");
    assert_eq!(
        p["spec"]["template"]["inputs"]["enable_dnsconfig_admission"],
        true
    );

    let out = s.ok(&[
        "plugin",
        "upgrade",
        &pool,
        "volcano",
        "--version",
        "1.16.8",
        "--wait",
        "--timeout",
        "60s",
    ]);
    assert!(out.contains("(Updating)"), "{out}");
    assert_eq!(plugin(&s, &pool, "volcano")["status"]["version"], "1.16.8");

    let table = s.ok(&["plugin", "list", &pool]);
    assert!(
        table.contains("node-local-dns") && table.contains("Running"),
        "{table}"
    );

    let err = s.fails(
        &["plugin", "install", &pool, "volcano", "--version", "0.1"],
        7,
    );
    assert!(err.contains("spec.template.version"), "{err}");
}

#[test]
fn templates_and_one_template() {
    let s = Server::start("fast");
    let table = s.ok(&["plugin", "templates"]);
    for n in ["gpu-driver", "npu-driver", "volcano"] {
        assert!(table.contains(n), "{table}");
    }
    let t = json(&s.ok(&["plugin", "template", "npu-driver", "-o", "json"]));
    assert_eq!(t["spec"]["type"], "npuDriver");
    assert!(
        t["spec"]["versions"]["7.1.0.9.220-23.0.6"].is_object(),
        "{t}"
    );
    s.fails(&["plugin", "template", "nope"], 6);
}
