//! The pool's neighbours over HTTP: resource flavors, networks, workspaces,
//! pool statistics, pool tags and pool monitoring.

mod common;

use std::collections::BTreeSet;

use common::{pool_body, pool_name, Options, TestServer, PROJECT};
use respool_core::flavors::Catalog;
use respool_core::timing::TimingProfile;
use serde_json::{json, Value};

const NODE_CREATE: f64 = 720.0;

fn flavors_path() -> String {
    format!("/v1/{PROJECT}/resourceflavors")
}

fn names_of(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap().to_owned())
        .collect()
}

fn network_body(display: &str, cidr: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Network",
        "metadata": {"labels": {"os.modelarts/name": display}},
        "spec": {"cidr": cidr}
    })
}

/// Every item of a paged list, following `metadata.continue`.
async fn walk(s: &TestServer, path: &str, limit: &str, extra: &[(&str, &str)]) -> Vec<String> {
    let mut names = Vec::new();
    let mut token = String::new();
    for _ in 0..1000 {
        let mut q: Vec<(&str, &str)> = vec![("limit", limit)];
        q.extend_from_slice(extra);
        if !token.is_empty() {
            q.push(("continue", &token));
        }
        let r = s.call("GET", path, &q, None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        names.extend(names_of(&r.body));
        match r.body["metadata"]["continue"].as_str() {
            Some(t) if !t.is_empty() => {
                let remaining = r.body["metadata"]["remainingItemCount"].as_u64().unwrap();
                assert!(remaining > 0);
                token = t.to_owned();
            }
            _ => {
                assert!(r.body["metadata"].get("remainingItemCount").is_none());
                return names;
            }
        }
    }
    panic!("paging did not end");
}

// ---------------------------------------------------------------- flavors

#[tokio::test]
async fn flavors_list_the_catalog_as_resource_flavors() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let r = s.call("GET", &flavors_path(), &[], None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["kind"], "ResourceFlavorList");
    assert_eq!(r.body["apiVersion"], "v1");
    assert_eq!(r.body["metadata"], json!({}), "one page: no continue");
    let catalog = Catalog::builtin();
    let names = names_of(&r.body);
    let expected: Vec<String> = catalog.all().iter().map(|f| f.name.clone()).collect();
    assert_eq!(names, expected);

    let cpu = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["metadata"]["name"] == "modelarts.vm.cpu.4ud")
        .expect("the pools' usual flavor");
    assert_eq!(cpu["kind"], "ResourceFlavor");
    assert_eq!(cpu["spec"]["cpu"], "4");
    assert_eq!(cpu["spec"]["memory"], "16Gi");
    assert_eq!(cpu["spec"]["type"], "Dedicate");
    assert!(cpu["metadata"]["labels"]["os.modelarts/scope"]
        .as_str()
        .unwrap()
        .contains("Train"));
    assert_eq!(cpu["status"]["phase"]["local-1a"], "normal");
}

#[tokio::test]
async fn flavors_filter_by_label_selector() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let all = Catalog::builtin().len();
    let list = |sel: &'static str| {
        let s = &s;
        async move {
            let r = s
                .call("GET", &flavors_path(), &[("labelSelector", sel)], None)
                .await;
            assert_eq!(r.status, 200, "{sel}: {}", r.text);
            names_of(&r.body)
        }
    };
    // A bare key: every flavor has it.
    assert_eq!(list("os.modelarts/scope").await.len(), all);
    assert!(list("!os.modelarts/scope").await.is_empty());
    let metal = list("os.modelarts.flavor/baremetal=true").await;
    assert!(!metal.is_empty() && metal.len() < all, "{metal:?}");
    assert!(metal.contains(&"modelarts.bm.gpu.a100.8".to_owned()));
    let train_only = list("os.modelarts/scope=Train").await;
    assert!(train_only.contains(&"modelarts.bm.gpu.a100.8".to_owned()));
    assert!(!train_only.contains(&"modelarts.vm.cpu.4ud".to_owned()));
    let r = s
        .call("GET", &flavors_path(), &[("labelSelector", "a in (")], None)
        .await;
    r.assert_error(400, "ModelArts.50004000");
}

#[tokio::test]
async fn flavors_page_with_opaque_tokens() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let all: Vec<String> = Catalog::builtin()
        .all()
        .iter()
        .map(|f| f.name.clone())
        .collect();
    assert!(all.len() > 3);
    assert_eq!(walk(&s, &flavors_path(), "2", &[]).await, all);
    assert_eq!(walk(&s, &flavors_path(), "0", &[]).await, all);

    let first = s
        .call("GET", &flavors_path(), &[("limit", "1")], None)
        .await;
    assert_eq!(
        first.body["metadata"]["remainingItemCount"],
        json!(all.len() - 1)
    );
    // The selector still applies on later pages.
    let metal = walk(
        &s,
        &flavors_path(),
        "1",
        &[("labelSelector", "os.modelarts.flavor/baremetal=true")],
    )
    .await;
    let expected: Vec<String> = Catalog::builtin()
        .all()
        .iter()
        .filter(|f| f.baremetal)
        .map(|f| f.name.clone())
        .collect();
    assert!(expected.len() > 1);
    assert_eq!(metal, expected);

    for bad in [("limit", "501"), ("limit", "-1"), ("limit", "x")] {
        s.call("GET", &flavors_path(), &[bad], None)
            .await
            .assert_error(400, "ModelArts.50004000");
    }
    let msg = s
        .call("GET", &flavors_path(), &[("continue", "garbled!")], None)
        .await
        .assert_error(400, "ModelArts.50004000")
        .to_owned();
    assert!(msg.contains("continue"), "{msg}");
    // A token of another list is not a flavor token.
    s.create_network("net-tok", "192.168.0.0/24").await;
    s.create_network("net-tok2", "192.168.1.0/24").await;
    let nets = s
        .call("GET", &s.networks_path(), &[("limit", "1")], None)
        .await;
    let token = nets.body["metadata"]["continue"].as_str().unwrap();
    s.call("GET", &flavors_path(), &[("continue", token)], None)
        .await
        .assert_error(400, "ModelArts.50004000");
}

#[tokio::test]
async fn an_extended_catalog_is_listed_and_usable_by_pools() {
    let extra = Catalog::from_json(
        r#"[{"name": "custom.vm.cpu.2u", "kind": "cpu", "cpu_arch": "x86", "cpu": 2,
             "memory_gi": 8, "root_volume": {"volume_type": "SSD", "size_gi": 50},
             "billing_modes": [0], "scopes": ["Infer"], "az_phase": {"a": "normal"}}]"#,
    )
    .unwrap();
    let mut catalog = Catalog::builtin();
    catalog.extend(extra);
    let s = TestServer::with(Options {
        catalog: Some(catalog),
        ..Options::default()
    })
    .await;
    let r = s
        .call(
            "GET",
            &flavors_path(),
            &[("labelSelector", "os.modelarts/scope=Infer")],
            None,
        )
        .await;
    let infer = names_of(&r.body);
    assert!(infer.contains(&"custom.vm.cpu.2u".to_owned()), "{infer:?}");
    let mut body = pool_body("pool-custom", 1);
    body["spec"]["scope"] = json!(["Infer"]);
    body["spec"]["resources"][0]["flavor"] = json!("custom.vm.cpu.2u");
    let r = s.create_with(&body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Flavors outside the catalog are refused.
    body["metadata"]["labels"]["os.modelarts/name"] = json!("pool-nope");
    body["spec"]["resources"][0]["flavor"] = json!("custom.vm.cpu.999u");
    s.create_with(&body)
        .await
        .assert_error(400, "ModelArts.50004000");
}

// ---------------------------------------------------------------- networks

#[tokio::test]
async fn a_network_is_created_without_phase_then_becomes_active() {
    let s = TestServer::manual().await;
    let r = s
        .call(
            "POST",
            &s.networks_path(),
            &[],
            Some(&network_body("network-7a03", "192.168.128.0/17")),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let name = format!("network-7a03-{PROJECT}");
    assert_eq!(r.body["metadata"]["name"], name.as_str());
    assert_eq!(r.body["kind"], "Network");
    assert_eq!(r.body["apiVersion"], "v1");
    assert_eq!(
        r.body["status"]["phase"], "",
        "no phase in the create answer"
    );
    assert_eq!(
        r.body["metadata"]["labels"]["os.modelarts/workspace.id"],
        "0"
    );
    assert!(r.body["metadata"]["creationTimestamp"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
    assert_eq!(r.body["spec"]["cidr"], "192.168.128.0/17");
    let subnet_id = r.body["status"]["subnets"][0]["networkId"]
        .as_str()
        .expect("Terraform reads status.subnets[0].networkId");
    assert_eq!(subnet_id.len(), 36);

    let path = format!("{}/{name}", s.networks_path());
    let shown = s.call("GET", &path, &[], None).await;
    assert_eq!(shown.status, 200, "{}", shown.text);
    assert_eq!(shown.body["status"]["phase"], "Creating");
    assert_eq!(shown.body["status"]["subnets"][0]["networkId"], subnet_id);
    s.advance(59.0).await;
    assert_eq!(
        s.call("GET", &path, &[], None).await.body["status"]["phase"],
        "Creating"
    );

    // A restart changes nothing: the phase follows from the stored times.
    let dir = s.stop();
    let s = TestServer::manual_on(Some(dir)).await;
    assert_eq!(
        s.call("GET", &path, &[], None).await.body["status"]["phase"],
        "Creating"
    );
    s.advance(1.0).await;
    assert_eq!(
        s.call("GET", &path, &[], None).await.body["status"]["phase"],
        "Active"
    );
    let listed = s.call("GET", &s.networks_path(), &[], None).await;
    assert_eq!(listed.body["items"][0]["status"]["phase"], "Active");
}

#[tokio::test]
async fn networks_are_active_at_once_with_immediate_timing() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let name = s.create_network("net-now", "172.16.0.0/16").await;
    let r = s
        .call("GET", &format!("{}/{name}", s.networks_path()), &[], None)
        .await;
    assert_eq!(r.body["status"]["phase"], "Active");
}

#[tokio::test]
async fn network_creation_is_validated() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    for (display, cidr) in [
        ("net", "192.168.0.0/16"),
        ("Net-upper", "192.168.0.0/16"),
        ("net-ends-", "192.168.0.0/16"),
        ("1net", "192.168.0.0/16"),
        ("net-ok", "10.0.0.0/16"),
        ("net-ok", "192.168.0.0/25"),
        ("net-ok", "192.168.0.0/15"),
        ("net-ok", "172.16.0.0/12"),
        ("net-ok", "172.32.0.0/16"),
        ("net-ok", "192.168.0.1/24"),
        ("net-ok", "not-a-cidr"),
        ("net-ok", ""),
    ] {
        let r = s
            .call(
                "POST",
                &s.networks_path(),
                &[],
                Some(&network_body(display, cidr)),
            )
            .await;
        r.assert_error(400, "ModelArts.50004000");
    }
    let mut body = network_body("net-ok", "192.168.0.0/16");
    body["kind"] = json!("Pool");
    s.call("POST", &s.networks_path(), &[], Some(&body))
        .await
        .assert_error(400, "ModelArts.50004000");
    let no_name = json!({"spec": {"cidr": "192.168.0.0/16"}});
    s.call("POST", &s.networks_path(), &[], Some(&no_name))
        .await
        .assert_error(400, "ModelArts.50004000");
    let mut body = network_body("net-ok", "192.168.0.0/16");
    body["metadata"]["labels"]["os.modelarts/workspace.id"] = json!("nope");
    s.call("POST", &s.networks_path(), &[], Some(&body))
        .await
        .assert_error(400, "ModelArts.7005");

    s.create_network("net-ok", "192.168.0.0/16").await;
    s.call(
        "POST",
        &s.networks_path(),
        &[],
        Some(&network_body("net-ok", "172.16.0.0/16")),
    )
    .await
    .assert_error(409, "ModelArts.50025000");
}

#[tokio::test]
async fn networks_list_with_selector_and_paging() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let mut names = Vec::new();
    for (i, display) in ["net-a", "net-b", "net-c"].iter().enumerate() {
        let mut body = network_body(display, &format!("192.168.{i}.0/24"));
        body["metadata"]["labels"]["tier"] = json!(if i == 1 { "gold" } else { "silver" });
        let r = s.call("POST", &s.networks_path(), &[], Some(&body)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        names.push(r.body["metadata"]["name"].as_str().unwrap().to_owned());
    }
    let r = s.call("GET", &s.networks_path(), &[], None).await;
    assert_eq!(r.body["kind"], "NetworkList");
    assert_eq!(r.body["apiVersion"], "v1");
    assert_eq!(names_of(&r.body), names, "creation order");
    assert_eq!(walk(&s, &s.networks_path(), "1", &[]).await, names);
    assert_eq!(
        walk(
            &s,
            &s.networks_path(),
            "2",
            &[("labelSelector", "tier=silver")]
        )
        .await,
        vec![names[0].clone(), names[2].clone()]
    );
    let r = s
        .call(
            "GET",
            &s.networks_path(),
            &[("labelSelector", "tier")],
            None,
        )
        .await;
    assert_eq!(names_of(&r.body).len(), 3);
    s.call("GET", &s.networks_path(), &[("continue", "xyz")], None)
        .await
        .assert_error(400, "ModelArts.50004000");
    s.call("GET", &s.networks_path(), &[("labelSelector", "=x")], None)
        .await
        .assert_error(400, "ModelArts.50004000");
}

#[tokio::test]
async fn a_missing_network_is_a_404_with_the_network_code() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let path = format!("{}/network-nope-{PROJECT}", s.networks_path());
    for method in ["GET", "DELETE"] {
        let msg = s
            .call(method, &path, &[], None)
            .await
            .assert_error(404, "ModelArts.50025001")
            .to_owned();
        assert_eq!(msg, "Network not exist.");
    }
    s.call("PATCH", &path, &[], Some(&json!({})))
        .await
        .assert_error(404, "ModelArts.50025001");
}

#[tokio::test]
async fn a_network_patch_changes_annotations_and_connections_only() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let name = s.create_network("net-patch", "192.168.0.0/16").await;
    let path = format!("{}/{name}", s.networks_path());
    let patch = json!({
        "metadata": {"annotations": {"os.modelarts/description": "peered"}},
        "spec": {"connection": {"peerConnectionList": [
            {"peerVpcId": "vpc-1", "peerSubnetId": "subnet-1", "defaultGateWay": true}
        ]}}
    });
    let r = s.call("PATCH", &path, &[], Some(&patch)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["metadata"]["annotations"]["os.modelarts/description"],
        "peered"
    );
    let peer = &r.body["status"]["connectionStatus"]["peerConnectionStatus"][0];
    assert_eq!(peer["peerVpcId"], "vpc-1");
    assert_eq!(peer["phase"], "Active");
    assert_eq!(peer["defaultGateWay"], true);
    let shown = s.call("GET", &path, &[], None).await;
    assert_eq!(
        shown.body["spec"]["connection"],
        patch["spec"]["connection"]
    );

    // A merge patch: null removes.
    let r = s
        .call(
            "PATCH",
            &path,
            &[],
            Some(&json!({"spec": {"connection": null}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["spec"].get("connection").is_none(), "{}", r.text);

    for bad in [
        json!({"spec": {"cidr": "192.168.0.0/17"}}),
        json!({"metadata": {"labels": {"os.modelarts/name": "renamed"}}}),
        json!({"metadata": {"annotations": {"os.modelarts/description": "a<b"}}}),
        json!({"spec": {"connection": {"peerConnectionList": [{"peerVpcId": "v"}]}}}),
        json!(["not", "an", "object"]),
    ] {
        s.call("PATCH", &path, &[], Some(&bad))
            .await
            .assert_error(400, "ModelArts.50004000");
    }
}

#[tokio::test]
async fn a_network_in_use_cannot_be_deleted() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let name = s.create_network("net-used", "192.168.0.0/16").await;
    let mut body = pool_body("pool-on-net", 1);
    body["spec"]["network"]["name"] = json!(name);
    assert_eq!(s.create_with(&body).await.status, 200);
    let path = format!("{}/{name}", s.networks_path());
    let msg = s
        .call("DELETE", &path, &[], None)
        .await
        .assert_error(400, "ModelArts.50004000")
        .to_owned();
    assert!(msg.contains(&pool_name("pool-on-net")), "{msg}");

    // Once the pool is gone (at once, with immediate timing), it can go.
    assert_eq!(s.delete_pool(&pool_name("pool-on-net")).await.status, 200);
    let r = s.call("DELETE", &path, &[], None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["metadata"]["name"], name.as_str());
    s.call("GET", &path, &[], None)
        .await
        .assert_error(404, "ModelArts.50025001");
    s.call("DELETE", &path, &[], None)
        .await
        .assert_error(404, "ModelArts.50025001");
}

#[tokio::test]
async fn a_network_named_by_its_display_name_is_in_use_too() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let name = s.create_network("net-byname", "192.168.0.0/16").await;
    let mut body = pool_body("pool-byname", 1);
    body["spec"]["network"]["name"] = json!("net-byname");
    assert_eq!(s.create_with(&body).await.status, 200);
    let path = format!("{}/{name}", s.networks_path());
    let msg = s
        .call("DELETE", &path, &[], None)
        .await
        .assert_error(400, "ModelArts.50004000")
        .to_owned();
    assert!(msg.contains(&pool_name("pool-byname")), "{msg}");
}

#[tokio::test]
async fn pools_may_name_unknown_networks_unless_networks_are_required() {
    // Lenient by default: any network name is accepted.
    let lenient = TestServer::start(TimingProfile::Immediate).await;
    let mut body = pool_body("pool-anynet", 1);
    body["spec"]["network"]["name"] = json!("net-x");
    assert_eq!(lenient.create_with(&body).await.status, 200);

    let strict = TestServer::with(Options {
        require_networks: true,
        ..Options::default()
    })
    .await;
    let msg = strict
        .create_with(&body)
        .await
        .assert_error(400, "ModelArts.50004000")
        .to_owned();
    assert!(
        msg.contains("net-x") && msg.contains("does not exist"),
        "{msg}"
    );
    let net = strict.create_network("net-real", "192.168.0.0/16").await;
    body["spec"]["network"]["name"] = json!(net);
    let r = strict.create_with(&body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The display name alone is not the network's name.
    let mut other = pool_body("pool-display", 1);
    other["spec"]["network"]["name"] = json!("net-real");
    strict
        .create_with(&other)
        .await
        .assert_error(400, "ModelArts.50004000");
}

// ---------------------------------------------------------------- workspaces

#[tokio::test]
async fn every_project_has_the_default_workspace() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let r = s.call("GET", &s.workspaces_path(), &[], None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["total_count"], 1);
    assert_eq!(r.body["count"], 1);
    let d = &r.body["workspaces"][0];
    assert_eq!(d["id"], "0");
    assert_eq!(d["name"], "default");
    assert_eq!(d["status"], "NORMAL");
    assert!(d["create_time"].is_i64(), "ms integers: {d}");
    let shown = s
        .call("GET", &format!("{}/0", s.workspaces_path()), &[], None)
        .await;
    assert_eq!(shown.status, 200);
    assert_eq!(shown.body["create_time"], d["create_time"], "stable");
    s.call("DELETE", &format!("{}/0", s.workspaces_path()), &[], None)
        .await
        .assert_error(400, "ModelArts.50004000");
}

#[tokio::test]
async fn workspaces_are_created_shown_updated_and_deleted() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let r = s
        .call(
            "POST",
            &s.workspaces_path(),
            &[],
            Some(
                &json!({"name": "team_ml-1", "description": "the ML team", "auth_type": "PRIVATE"}),
            ),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 32);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(r.body["name"], "team_ml-1");
    assert_eq!(r.body["auth_type"], "PRIVATE");
    assert_eq!(r.body["status"], "NORMAL");
    assert_eq!(r.body["create_time"], r.body["update_time"]);
    let path = format!("{}/{id}", s.workspaces_path());
    assert_eq!(
        s.call("GET", &path, &[], None).await.body["id"],
        id.as_str()
    );

    // Name rules: 4-64 letters, digits, '-', '_'; "default" is reserved; unique.
    for bad in ["abc", "default", "has space", "bad!", &"x".repeat(65)] {
        s.call(
            "POST",
            &s.workspaces_path(),
            &[],
            Some(&json!({ "name": bad })),
        )
        .await
        .assert_error(400, "ModelArts.50004000");
    }
    s.call(
        "POST",
        &s.workspaces_path(),
        &[],
        Some(&json!({"name": "team_ml-1"})),
    )
    .await
    .assert_error(400, "ModelArts.50004000");

    let r = s
        .call(
            "PUT",
            &path,
            &[],
            Some(&json!({"name": "team-renamed", "description": "renamed"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, json!({ "workspace_id": id }));
    let shown = s.call("GET", &path, &[], None).await;
    assert_eq!(shown.body["name"], "team-renamed");
    assert_eq!(shown.body["description"], "renamed");
    let other = s.create_workspace("other-team").await;
    s.call(
        "PUT",
        &format!("{}/{other}", s.workspaces_path()),
        &[],
        Some(&json!({"name": "team-renamed"})),
    )
    .await
    .assert_error(400, "ModelArts.50004000");

    let r = s.call("DELETE", &path, &[], None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, json!({ "workspace_id": id }));
    for method in ["GET", "DELETE"] {
        let msg = s
            .call(method, &path, &[], None)
            .await
            .assert_error(400, "ModelArts.7005")
            .to_owned();
        assert_eq!(msg, format!("workspace:{id} not existed"));
    }
    s.call("PUT", &path, &[], Some(&json!({"description": "x"})))
        .await
        .assert_error(400, "ModelArts.7005");
}

#[tokio::test]
async fn workspace_lists_sort_filter_and_page() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    for name in ["alpha", "bravo", "charlie"] {
        s.create_workspace(name).await;
    }
    let list = |q: Vec<(&'static str, &'static str)>| {
        let s = &s;
        async move {
            let r = s.call("GET", &s.workspaces_path(), &q, None).await;
            assert_eq!(r.status, 200, "{q:?}: {}", r.text);
            let names: Vec<String> = r.body["workspaces"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| w["name"].as_str().unwrap().to_owned())
                .collect();
            (r.body["total_count"].as_u64().unwrap(), names)
        }
    };
    assert_eq!(
        list(vec![]).await,
        (
            4,
            vec![
                "default".into(),
                "charlie".into(),
                "bravo".into(),
                "alpha".into()
            ]
        ),
        "by name, descending by default"
    );
    assert_eq!(
        list(vec![("order", "asc"), ("offset", "1"), ("limit", "2")]).await,
        (4, vec!["bravo".into(), "charlie".into()])
    );
    assert_eq!(
        list(vec![("name", "ar")]).await,
        (1, vec!["charlie".into()])
    );
    for bad in [
        ("sort_by", "id"),
        ("order", "up"),
        ("limit", "1001"),
        ("offset", "-1"),
    ] {
        s.call("GET", &s.workspaces_path(), &[bad], None)
            .await
            .assert_error(400, "ModelArts.50004000");
    }
}

#[tokio::test]
async fn unknown_workspaces_are_refused_wherever_a_call_names_one() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    s.create_pool("pool-ws", 1).await;
    let name = pool_name("pool-ws");
    let nope = "0123456789abcdef0123456789abcdef";
    let msg = s
        .list(&[("workspaceId", nope)])
        .await
        .assert_error(400, "ModelArts.7005")
        .to_owned();
    assert_eq!(msg, format!("workspace:{nope} not existed"));
    let mut body = pool_body("pool-nowhere", 1);
    body["metadata"]["labels"]["os.modelarts/workspace.id"] = json!(nope);
    s.create_with(&body)
        .await
        .assert_error(400, "ModelArts.7005");
    s.patch_pool(
        &name,
        &json!({"metadata": {"labels": {"os.modelarts/workspace.id": nope}}}),
    )
    .await
    .assert_error(400, "ModelArts.7005");
    s.call(
        "GET",
        &format!("/v2/{PROJECT}/statistics/pools"),
        &[("workspaceId", nope)],
        None,
    )
    .await
    .assert_error(400, "ModelArts.7005");
    s.call("GET", &s.networks_path(), &[("workspaceId", nope)], None)
        .await
        .assert_error(400, "ModelArts.7005");
    // "0" and an absent id are the default workspace.
    assert_eq!(
        s.list_names(&[("workspaceId", "0")]).await,
        vec![name.clone()]
    );
    assert_eq!(s.list_names(&[("workspaceId", "")]).await, vec![name]);
}

#[tokio::test]
async fn a_workspace_with_pools_cannot_be_deleted_until_they_move() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let ws = s.create_workspace("team-pools").await;
    let mut body = pool_body("pool-inws", 1);
    body["metadata"]["labels"]["os.modelarts/workspace.id"] = json!(ws);
    assert_eq!(s.create_with(&body).await.status, 200);
    let name = pool_name("pool-inws");
    assert_eq!(
        s.list_names(&[("workspaceId", &ws)]).await,
        vec![name.clone()]
    );
    assert!(s.list_names(&[]).await.is_empty());
    let path = format!("{}/{ws}", s.workspaces_path());
    let msg = s
        .call("DELETE", &path, &[], None)
        .await
        .assert_error(400, "ModelArts.50004000")
        .to_owned();
    assert!(msg.contains("pool"), "{msg}");

    // Moved back to the default workspace by PATCH, the pool lists there.
    let r = s
        .patch_pool(
            &name,
            &json!({"metadata": {"labels": {"os.modelarts/workspace.id": "0"}}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(s.list_names(&[]).await, vec![name.clone()]);
    assert!(s.list_names(&[("workspaceId", &ws)]).await.is_empty());
    assert_eq!(s.call("DELETE", &path, &[], None).await.status, 200);
}

// ---------------------------------------------------------------- statistics

#[tokio::test]
async fn statistics_count_pools_by_state() {
    let s = TestServer::manual().await;
    let path = format!("/v2/{PROJECT}/statistics/pools");
    let counts = |r: &common::Response| r.body["statistics"]["status"].clone();
    let r = s.call("GET", &path, &[], None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        counts(&r),
        json!({"created": 0, "creating": 0, "failed": 0, "pending": 0, "deleting": 0})
    );
    let time = r.body["operationTime"].as_str().unwrap();
    let (date, rest) = time.split_once(' ').unwrap();
    assert_eq!(date.len(), 10, "{time}");
    assert!(rest.ends_with(" +0000 UTC"), "Go's time.String(): {time}");

    s.create_pool("pool-done", 1).await;
    s.create_pool("pool-gone", 1).await;
    s.advance(NODE_CREATE).await;
    assert_eq!(s.delete_pool(&pool_name("pool-gone")).await.status, 200);
    s.create_pool("pool-new", 1).await;
    let mut prepaid = pool_body("pool-unpaid", 1);
    prepaid["metadata"]["annotations"] = json!({"os.modelarts/billing.mode": "1"});
    assert_eq!(s.create_with(&prepaid).await.status, 200);
    s.add_fault("chaos=fail", "creation-fails", None).await;
    let mut doomed = pool_body("pool-doomed", 1);
    doomed["metadata"]["labels"]["chaos"] = json!("fail");
    assert_eq!(s.create_with(&doomed).await.status, 200);
    // Another workspace is counted on its own.
    let ws = s.create_workspace("team-stats").await;
    let mut elsewhere = pool_body("pool-elsewhere", 1);
    elsewhere["metadata"]["labels"]["os.modelarts/workspace.id"] = json!(ws);
    assert_eq!(s.create_with(&elsewhere).await.status, 200);

    let r = s.call("GET", &path, &[], None).await;
    assert_eq!(
        counts(&r),
        json!({"created": 1, "creating": 2, "failed": 0, "pending": 1, "deleting": 1})
    );
    s.advance(NODE_CREATE).await;
    let r = s.call("GET", &path, &[("workspaceId", "0")], None).await;
    assert_eq!(
        counts(&r),
        json!({"created": 2, "creating": 0, "failed": 1, "pending": 1, "deleting": 0})
    );
    let r = s.call("GET", &path, &[("workspaceId", &ws)], None).await;
    assert_eq!(
        counts(&r),
        json!({"created": 1, "creating": 0, "failed": 0, "pending": 0, "deleting": 0})
    );
}

// ---------------------------------------------------------------- tags

fn tags_path(pool: &str) -> String {
    format!("/v1/{PROJECT}/pools/{pool}/tags")
}

#[tokio::test]
async fn pool_tags_are_added_shown_listed_and_removed() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    s.create_pool("pool-tag-a", 1).await;
    s.create_pool("pool-tag-b", 1).await;
    let (a, b) = (pool_name("pool-tag-a"), pool_name("pool-tag-b"));

    let r = s.call("GET", &tags_path(&a), &[], None).await;
    assert_eq!(r.status, 200, "200, not the documented 204: {}", r.text);
    assert_eq!(r.body, json!({"tags": []}));

    let add = json!({"tags": [{"key": "env", "value": "dev"}, {"key": "team", "value": "ml"}]});
    let r = s
        .call(
            "POST",
            &format!("{}/create", tags_path(&a)),
            &[],
            Some(&add),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!({"tags": [{"key": "env", "values": ["dev"]}, {"key": "team", "values": ["ml"]}]})
    );
    // The same key overwrites its value.
    let r = s
        .call(
            "POST",
            &format!("{}/create", tags_path(&a)),
            &[],
            Some(&json!({"tags": [{"key": "env", "value": "prod"}]})),
        )
        .await;
    assert_eq!(r.body["tags"][0], json!({"key": "env", "values": ["prod"]}));
    let r = s
        .call(
            "POST",
            &format!("{}/create", tags_path(&b)),
            &[],
            Some(
                &json!({"tags": [{"key": "env", "value": "dev"}, {"key": "cost", "value": "42"}]}),
            ),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // They live on the pool, as the live service shows them.
    let pool = s.pool(&a).await;
    let stored: Value = serde_json::from_str(
        pool["metadata"]["annotations"]["os.modelarts/tms.tags"]
            .as_str()
            .expect("the tags annotation"),
    )
    .unwrap();
    assert_eq!(
        stored,
        json!([{"key": "env", "value": "prod"}, {"key": "team", "value": "ml"}])
    );

    // All tags of the project: the literal `tags` is not a pool name.
    let all_path = format!("/v1/{PROJECT}/pools/tags");
    let r = s.call("GET", &all_path, &[], None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!({"tags": [
            {"key": "cost", "values": ["42"]},
            {"key": "env", "values": ["dev", "prod"]},
            {"key": "team", "values": ["ml"]}
        ]})
    );
    let r = s
        .call("GET", &all_path, &[("offset", "1"), ("limit", "1")], None)
        .await;
    assert_eq!(
        r.body["tags"],
        json!([{"key": "env", "values": ["dev", "prod"]}])
    );
    s.call("GET", &all_path, &[("limit", "x")], None)
        .await
        .assert_error(400, "ModelArts.50004000");

    // DELETE with a body: a value that does not match leaves the tag.
    let del = format!("{}/delete", tags_path(&a));
    let r = s
        .call(
            "DELETE",
            &del,
            &[],
            Some(&json!({"tags": [{"key": "env", "value": "dev"}, {"key": "team"}, {"key": "absent"}]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!({"tags": [{"key": "env", "values": ["prod"]}]})
    );
    let r = s
        .call(
            "DELETE",
            &del,
            &[],
            Some(&json!({"tags": [{"key": "env", "value": "prod"}]})),
        )
        .await;
    assert_eq!(r.body, json!({"tags": []}));
    assert!(s.pool(&a).await["metadata"]["annotations"]
        .get("os.modelarts/tms.tags")
        .is_none());
}

#[tokio::test]
async fn tag_errors() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    s.create_pool("pool-tag-err", 1).await;
    let name = pool_name("pool-tag-err");
    let missing = pool_name("pool-missing");
    s.call("GET", &tags_path(&missing), &[], None)
        .await
        .assert_error(404, "ModelArts.50015001");
    s.call(
        "POST",
        &format!("{}/create", tags_path(&missing)),
        &[],
        Some(&json!({"tags": [{"key": "k", "value": "v"}]})),
    )
    .await
    .assert_error(404, "ModelArts.50015001");
    s.call(
        "DELETE",
        &format!("{}/delete", tags_path(&missing)),
        &[],
        Some(&json!({"tags": [{"key": "k"}]})),
    )
    .await
    .assert_error(404, "ModelArts.50015001");
    for bad in [
        json!({"tags": []}),
        json!({"tags": [{"key": "", "value": "v"}]}),
        json!({"tags": [{"key": "a=b", "value": "v"}]}),
        json!({"tags": [{"key": "k", "value": "v".repeat(256)}]}),
        json!({"tags": "nope"}),
    ] {
        s.call(
            "POST",
            &format!("{}/create", tags_path(&name)),
            &[],
            Some(&bad),
        )
        .await
        .assert_error(400, "ModelArts.50004000");
    }
    let many: Vec<Value> = (0..21)
        .map(|i| json!({"key": format!("k{i}"), "value": "v"}))
        .collect();
    s.call(
        "POST",
        &format!("{}/create", tags_path(&name)),
        &[],
        Some(&json!({ "tags": many })),
    )
    .await
    .assert_error(400, "ModelArts.50004000");
}

// ---------------------------------------------------------------- monitor

fn monitor_path(pool: &str) -> String {
    format!("/v2/{PROJECT}/pools/{pool}/monitor")
}

fn metric_names(body: &Value) -> BTreeSet<String> {
    body["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["metric"]["metricName"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn monitor_series_follow_the_nodes_and_the_clock() {
    let s = TestServer::manual().await;
    s.create_pool("pool-mon", 2).await;
    let name = pool_name("pool-mon");
    s.advance(NODE_CREATE + 30.0 * 60.0).await;

    let r = s.call("GET", &monitor_path(&name), &[], None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        metric_names(&r.body),
        BTreeSet::from(["cpuUsage".into(), "memUsedRate".into()]),
        "no accelerator metrics on CPU flavors"
    );
    let cpu = &r.body["metrics"][0];
    assert_eq!(cpu["metric"]["metricName"], "cpuUsage");
    assert_eq!(cpu["metric"]["dimensions"][0]["name"], "clusterId");
    let points = cpu["dataPoints"].as_array().unwrap();
    // The last hour, one point a minute.
    assert!((60..=61).contains(&points.len()), "{}", points.len());
    let values: Vec<f64> = points
        .iter()
        .map(|p| {
            assert_eq!(p["unit"], "Percent");
            assert_eq!(p["statistics"][0]["statistic"], "maximum");
            p["statistics"][0]["value"].as_f64().unwrap()
        })
        .collect();
    let stamps: Vec<i64> = points
        .iter()
        .map(|p| p["timestamp"].as_i64().unwrap())
        .collect();
    assert!(stamps.windows(2).all(|w| w[1] - w[0] == 60_000));
    // No data before the nodes came up (-1), data after.
    assert_eq!(values[0], -1.0, "{values:?}");
    let last = *values.last().unwrap();
    assert!((0.0..=100.0).contains(&last), "{values:?}");
    assert!(values.iter().filter(|v| **v >= 0.0).count() >= 29);

    // Deterministic: the same window gives the same numbers.
    let again = s.call("GET", &monitor_path(&name), &[], None).await;
    assert_eq!(again.body, r.body);

    let r = s
        .call(
            "GET",
            &monitor_path(&name),
            &[
                ("time_range", "-1.-1.120"),
                ("period", "300"),
                ("statistics", "sampleCount"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let points = r.body["metrics"][0]["dataPoints"].as_array().unwrap();
    assert!((24..=25).contains(&points.len()), "{}", points.len());
    let counts: Vec<f64> = points
        .iter()
        .map(|p| p["statistics"][0]["value"].as_f64().unwrap())
        .collect();
    assert!(counts.iter().all(|c| (0.0..=5.0).contains(c)), "{counts:?}");
    assert!(counts.contains(&5.0), "{counts:?}");
}

#[tokio::test]
async fn accelerator_pools_report_accelerator_metrics() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let mut body = pool_body("pool-gpu", 1);
    body["spec"]["scope"] = json!(["Train"]);
    body["spec"]["resources"][0]["flavor"] = json!("modelarts.bm.gpu.a100.8");
    let r = s.create_with(&body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = s
        .call("GET", &monitor_path(&pool_name("pool-gpu")), &[], None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(metric_names(&r.body).contains("gpuUtil"));
    assert!(!metric_names(&r.body).contains("npuUtil"));

    let mut body = pool_body("pool-npu", 1);
    body["spec"]["scope"] = json!(["Train"]);
    body["spec"]["resources"][0]["flavor"] = json!("modelarts.kat1.8xlarge");
    let r = s.create_with(&body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = s
        .call("GET", &monitor_path(&pool_name("pool-npu")), &[], None)
        .await;
    assert!(metric_names(&r.body).contains("npuUtil"));
}

#[tokio::test]
async fn monitor_parameters_are_validated() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    s.create_pool("pool-mon-bad", 1).await;
    let path = monitor_path(&pool_name("pool-mon-bad"));
    for bad in [
        ("period", "61"),
        ("period", "x"),
        ("statistics", "median"),
        ("time_range", "x"),
        ("time_range", "-1.-1"),
        ("time_range", "-1.-1.0"),
        ("time_range", "-1.-1.1441"),
        ("time_range", "2000.1000.5"),
    ] {
        s.call("GET", &path, &[bad], None)
            .await
            .assert_error(400, "ModelArts.50004000");
    }
    assert_eq!(
        s.call("GET", &path, &[("time_range", "-1.-1.1440")], None)
            .await
            .status,
        200
    );
    s.call("GET", &monitor_path(&pool_name("pool-nope")), &[], None)
        .await
        .assert_error(404, "ModelArts.50015001");
}

#[tokio::test]
async fn the_openapi_document_lists_the_neighbours() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let r = s.raw(s.http.get(format!("{}/openapi.json", s.base))).await;
    assert_eq!(r.status, 200);
    let paths = r.body["paths"].as_object().unwrap();
    for p in [
        "/v1/{project_id}/resourceflavors",
        "/v1/{project_id}/networks",
        "/v1/{project_id}/networks/{network_name}",
        "/v1/{project_id}/workspaces",
        "/v1/{project_id}/workspaces/{workspace_id}",
        "/v2/{project_id}/statistics/pools",
        "/v2/{project_id}/pools/{pool_name}/monitor",
        "/v1/{project_id}/pools/tags",
        "/v1/{project_id}/pools/{pool_name}/tags",
        "/v1/{project_id}/pools/{pool_name}/tags/create",
        "/v1/{project_id}/pools/{pool_name}/tags/delete",
    ] {
        assert!(paths.contains_key(p), "{p} missing");
    }
}
