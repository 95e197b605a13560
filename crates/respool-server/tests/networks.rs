//! Networks over HTTP: create, show, list, patch, delete, and the pools that
//! name them.

use respool_core::timing::TimingProfile;
use respool_testkit::{
    names, network_body, pool_body, pool_name, walk, Options, TestServer, PROJECT,
};
use serde_json::json;

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
    let mut created = Vec::new();
    for (i, display) in ["net-a", "net-b", "net-c"].iter().enumerate() {
        let mut body = network_body(display, &format!("192.168.{i}.0/24"));
        body["metadata"]["labels"]["tier"] = json!(if i == 1 { "gold" } else { "silver" });
        let r = s.call("POST", &s.networks_path(), &[], Some(&body)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        created.push(r.body["metadata"]["name"].as_str().unwrap().to_owned());
    }
    let r = s.call("GET", &s.networks_path(), &[], None).await;
    assert_eq!(r.body["kind"], "NetworkList");
    assert_eq!(r.body["apiVersion"], "v1");
    assert_eq!(names(&r.body), created, "creation order");
    assert_eq!(walk(&s, &s.networks_path(), "1", &[]).await, created);
    assert_eq!(
        walk(
            &s,
            &s.networks_path(),
            "2",
            &[("labelSelector", "tier=silver")]
        )
        .await,
        vec![created[0].clone(), created[2].clone()]
    );
    let r = s
        .call(
            "GET",
            &s.networks_path(),
            &[("labelSelector", "tier")],
            None,
        )
        .await;
    assert_eq!(names(&r.body).len(), 3);
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
async fn pools_must_name_a_network_that_exists_unless_lenient() {
    // The router kit is lenient (its pools name networks they never create);
    // the binary checks by default (`respool serve`, without --lenient-networks).
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
