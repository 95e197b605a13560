//! Resource flavors over HTTP: the catalog as `ResourceFlavor`s, label
//! selectors, paging, and an extended catalog.

use respool_core::flavors::Catalog;
use respool_core::timing::TimingProfile;
use respool_testkit::{names, pool_body, walk, Options, TestServer, PROJECT};
use serde_json::json;

fn flavors_path() -> String {
    format!("/v1/{PROJECT}/resourceflavors")
}

#[tokio::test]
async fn flavors_list_the_catalog_as_resource_flavors() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let r = s.call("GET", &flavors_path(), &[], None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["kind"], "ResourceFlavorList");
    assert_eq!(r.body["apiVersion"], "v1");
    assert_eq!(r.body["metadata"], json!({}), "one page: no continue");
    let catalog = Catalog::builtin();
    let names = names(&r.body);
    let expected: Vec<String> = catalog.all().iter().map(|f| f.name.clone()).collect();
    assert_eq!(names, expected);

    // Each flavor's shape: snapshots/wire_shapes__flavor.snap.
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
            names(&r.body)
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
    let infer = names(&r.body);
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
