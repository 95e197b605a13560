//! Plugins, plugin templates, driver upgrades and node configuration over
//! HTTP on the manual clock.

use respool_testkit::{pool_body, pool_name, TestServer, NODE_CREATE, PROJECT};
use serde_json::{json, Value};

const PLUGIN_INSTALL: f64 = 180.0;
const PLUGIN_UPGRADE: f64 = 120.0;
const DRIVER: f64 = 480.0;
const GPU: &str = "modelarts.vm.gpu.t4u8";
const NPU: &str = "modelarts.vm.npu.arm.1snt9b";

#[tokio::test]
async fn an_install_is_pending_then_running_and_an_upgrade_updating_then_running() {
    let s = TestServer::manual().await;
    let pool = s
        .running_pool_of("cpu-plugins", "modelarts.vm.cpu.4ud", 1)
        .await;

    // A CPU pool for training has the node agent and Volcano by default.
    let names: Vec<Value> = s
        .plugins(&pool)
        .await
        .iter()
        .map(|p| p["metadata"]["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("volcano"), json!("os-node-agent")]);

    let r = s
        .install(&pool, json!({"name": "node-local-dns", "version": "1.6.0"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["kind"], "Plugin");
    assert_eq!(r.body["status"]["phase"], "Pending");
    assert_eq!(r.body["status"]["version"], "1.6.0");
    let values: Value = serde_json::from_str(r.body["status"]["values"].as_str().unwrap()).unwrap();
    assert_eq!(values, json!({"enable_dnsconfig_admission": false}));

    s.advance(PLUGIN_INSTALL - 1.0).await;
    assert_eq!(
        s.plugin(&pool, "node-local-dns").await.unwrap()["status"]["phase"],
        "Pending"
    );
    s.advance(1.0).await;
    assert_eq!(
        s.plugin(&pool, "node-local-dns").await.unwrap()["status"]["phase"],
        "Running"
    );

    // The same POST with another version upgrades a default plugin.
    let r = s
        .install(
            &pool,
            json!({"name": "volcano", "version": "1.17.11", "inputs": {"replicas": 3}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"]["phase"], "Updating");
    // The old version runs until the upgrade ends.
    assert_eq!(r.body["status"]["version"], "1.18.3");
    assert_eq!(r.body["spec"]["template"]["version"], "1.17.11");
    // No second change while one is in progress.
    s.install(&pool, json!({"name": "volcano", "version": "1.16.8"}))
        .await
        .assert_error(400, "ModelArts.50004000");
    s.advance(PLUGIN_UPGRADE).await;
    let v = s.plugin(&pool, "volcano").await.unwrap();
    assert_eq!(v["status"]["phase"], "Running");
    assert_eq!(v["status"]["version"], "1.17.11");
    assert_eq!(v["spec"]["template"]["inputs"]["replicas"], 3);

    // Asking for what runs changes nothing.
    let r = s
        .install(
            &pool,
            json!({"name": "volcano", "version": "1.17.11", "inputs": {"replicas": 3}}),
        )
        .await;
    assert_eq!(r.body["status"]["phase"], "Running");
}

#[tokio::test]
async fn bad_requests_name_the_field() {
    let s = TestServer::manual().await;
    let pool = s
        .running_pool_of("cpu-refusals", "modelarts.vm.cpu.4ud", 1)
        .await;
    for (template, field) in [
        (json!({"name": "nope"}), "spec.template.name"),
        (json!({"name": ""}), "spec.template.name"),
        (json!({"name": "gpu-driver"}), "spec.template.name"),
        (
            json!({"name": "volcano", "version": "0.0.1"}),
            "spec.template.version",
        ),
        (
            json!({"name": "volcano", "inputs": {"replicas": 9}}),
            "spec.template.inputs.replicas",
        ),
        (
            json!({"name": "volcano", "inputs": {"replicas": "two"}}),
            "spec.template.inputs.replicas",
        ),
        (
            json!({"name": "volcano", "inputs": {"colour": "red"}}),
            "spec.template.inputs.colour",
        ),
    ] {
        let r = s.install(&pool, template.clone()).await;
        let msg = r.assert_error(400, "ModelArts.50004000");
        assert!(msg.contains(field), "{template}: {msg}");
    }
    // Nothing was installed by the refusals.
    assert_eq!(s.plugins(&pool).await.len(), 2);
    let r = s
        .call(
            "POST",
            &s.plugins_path(&pool),
            &[],
            Some(&json!({"spec": {}})),
        )
        .await;
    r.assert_error(400, "ModelArts.50004000");
    s.install("ghost", json!({"name": "volcano"}))
        .await
        .assert_error(404, "ModelArts.50015001");
}

#[tokio::test]
async fn installing_the_gpu_driver_upgrades_every_node_then_the_pool() {
    let s = TestServer::manual().await;
    let pool = s.running_pool_of("gpu-driver", GPU, 2).await;
    assert_eq!(
        s.pool(&pool).await["status"]["driver"]["gpu"],
        json!({"version": "535.54.03", "state": "Running"})
    );
    assert!(s.plugin(&pool, "gpu-beta").await.is_some());

    let r = s
        .install(&pool, json!({"name": "gpu-driver", "version": "515.65.01", "inputs": {"updateStrategy": "force"}}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"]["phase"], "Pending");
    for d in s.drivers(&pool).await {
        assert_eq!(d, json!({"phase": "Upgrading", "version": "535.54.03"}));
    }
    assert_eq!(
        s.pool(&pool).await["status"]["driver"]["gpu"],
        json!({"version": "535.54.03", "state": "Upgrading"})
    );
    s.advance(DRIVER).await;
    for d in s.drivers(&pool).await {
        assert_eq!(d, json!({"phase": "Running", "version": "515.65.01"}));
    }
    let p = s.pool(&pool).await;
    assert_eq!(
        p["status"]["driver"]["gpu"],
        json!({"version": "515.65.01", "state": "Running"})
    );
    assert_eq!(p["spec"]["driver"]["gpuVersion"], "515.65.01");
    assert_eq!(
        s.plugin(&pool, "gpu-driver").await.unwrap()["status"]["phase"],
        "Running"
    );

    // A new node comes with the pool's version.
    let r = s
        .patch_pool(
            &pool,
            &json!({"spec": {"resources": [{"flavor": GPU, "count": 3}]}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    s.advance(NODE_CREATE).await;
    assert_eq!(s.drivers(&pool).await.len(), 3);
    for d in s.drivers(&pool).await {
        assert_eq!(d["version"], "515.65.01");
    }

    // Upgrading the plugin again is Updating, and the nodes follow.
    let r = s
        .install(
            &pool,
            json!({"name": "gpu-driver", "version": "470.182.03"}),
        )
        .await;
    assert_eq!(r.body["status"]["phase"], "Updating");
    assert_eq!(
        s.pool(&pool).await["status"]["driver"]["gpu"]["state"],
        "Upgrading"
    );
    s.advance(DRIVER).await;
    for d in s.drivers(&pool).await {
        assert_eq!(d, json!({"phase": "Running", "version": "470.182.03"}));
    }
}

#[tokio::test]
async fn a_driver_patch_moves_the_npu_driver_and_a_created_pool_gets_its_versions() {
    let s = TestServer::manual().await;
    let mut body = pool_body("npu-spec", 1);
    body["spec"]["resources"][0]["flavor"] = json!(NPU);
    body["spec"]["driver"] = json!({"npuVersion": "7.1.0.7.220-23.0.5"});
    let r = s.create_with(&body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    s.advance(NODE_CREATE).await;
    let pool = pool_name("npu-spec");
    assert_eq!(
        s.pool(&pool).await["status"]["driver"]["npu"],
        json!({"version": "7.1.0.7.220-23.0.5", "state": "Running"})
    );
    assert_eq!(s.drivers(&pool).await[0]["version"], "7.1.0.7.220-23.0.5");

    let r = s
        .patch_pool(
            &pool,
            &json!({"spec": {"driver": {"npuVersion": "7.1.0.9.220-23.0.6"}}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        s.drivers(&pool).await[0],
        json!({"phase": "Upgrading", "version": "7.1.0.7.220-23.0.5"})
    );
    assert_eq!(
        s.pool(&pool).await["status"]["driver"]["npu"]["state"],
        "Upgrading"
    );
    s.advance(DRIVER).await;
    assert_eq!(
        s.drivers(&pool).await[0],
        json!({"phase": "Running", "version": "7.1.0.9.220-23.0.6"})
    );
    assert_eq!(
        s.pool(&pool).await["status"]["driver"]["npu"],
        json!({"version": "7.1.0.9.220-23.0.6", "state": "Running"})
    );

    let msg = s
        .patch_pool(&pool, &json!({"spec": {"driver": {"npuVersion": "1.0"}}}))
        .await
        .assert_error(400, "ModelArts.50004000")
        .to_owned();
    assert!(msg.contains("spec.driver.npuVersion"), "{msg}");
    let mut bad = pool_body("bad-driver", 1);
    bad["spec"]["driver"] = json!({"gpuVersion": "1.0"});
    s.create_with(&bad)
        .await
        .assert_error(400, "ModelArts.50004000");
}

#[tokio::test]
async fn an_install_survives_a_restart() {
    let s = TestServer::manual().await;
    let pool = s
        .running_pool_of("restart-plugins", "modelarts.vm.cpu.4ud", 1)
        .await;
    let r = s.install(&pool, json!({"name": "log-agent"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    s.advance(60.0).await;
    let dir = s.stop();

    let s = TestServer::manual_on(Some(dir)).await;
    assert_eq!(
        s.plugin(&pool, "log-agent").await.unwrap()["status"]["phase"],
        "Pending"
    );
    s.advance(PLUGIN_INSTALL - 60.0).await;
    let p = s.plugin(&pool, "log-agent").await.unwrap();
    assert_eq!(p["status"]["phase"], "Running");
    assert_eq!(p["status"]["version"], "1.5.1");
}

#[tokio::test]
async fn templates_list_filter_and_show() {
    let s = TestServer::manual().await;
    let r = s
        .call("GET", &format!("/v2/{PROJECT}/plugintemplates"), &[], None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["kind"], "PluginTemplateList");
    let all = r.body["items"].as_array().unwrap();
    let names: Vec<&str> = all
        .iter()
        .map(|t| t["metadata"]["name"].as_str().unwrap())
        .collect();
    for n in [
        "gpu-driver",
        "npu-driver",
        "volcano",
        "gpu-beta",
        "huawei-npu",
        "node-local-dns",
    ] {
        assert!(names.contains(&n), "{names:?}");
    }
    let volcano = all
        .iter()
        .find(|t| t["metadata"]["name"] == "volcano")
        .unwrap();
    assert!(volcano["spec"]["versions"].is_array());
    assert_eq!(
        volcano["spec"]["versions"][0]["inputs"]["replicas"]["type"],
        "integer"
    );

    let r = s
        .call(
            "GET",
            &format!("/v2/{PROJECT}/plugintemplates"),
            &[("templateName", "volcano")],
            None,
        )
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);

    // A CPU pool cannot install the GPU or NPU templates.
    let pool = s
        .running_pool_of("cpu-templates", "modelarts.vm.cpu.4ud", 1)
        .await;
    let r = s
        .call(
            "GET",
            &format!("/v2/{PROJECT}/plugintemplates"),
            &[("poolName", &pool)],
            None,
        )
        .await;
    let names: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["metadata"]["name"].as_str().unwrap())
        .collect();
    assert!(!names.contains(&"gpu-driver") && !names.contains(&"huawei-npu"));
    assert!(names.contains(&"volcano"));
    s.call(
        "GET",
        &format!("/v2/{PROJECT}/plugintemplates"),
        &[("poolName", "ghost")],
        None,
    )
    .await
    .assert_error(404, "ModelArts.50015001");

    let r = s
        .call(
            "GET",
            &format!("/v1/{PROJECT}/plugintemplates/gpu-driver"),
            &[],
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["apiVersion"], "v1");
    assert_eq!(r.body["spec"]["type"], "gpuDriver");
    let versions = r.body["spec"]["versions"].as_object().unwrap();
    assert_eq!(versions["515.65.01"]["version"], "515.65.01");
    s.call(
        "GET",
        &format!("/v1/{PROJECT}/plugintemplates/nope"),
        &[],
        None,
    )
    .await
    .assert_error(404, "ModelArts.50005101");
}

#[tokio::test]
async fn node_config_follows_the_pool_and_its_flavors() {
    let s = TestServer::manual().await;
    let pool = s
        .running_pool_of("node-config", "modelarts.vm.cpu.4ud", 1)
        .await;
    let r = s
        .call(
            "GET",
            &format!("/v2/{PROJECT}/pools/{pool}/node-config"),
            &[],
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["kind"], "NodeConfig");
    assert_eq!(r.body["metadata"]["name"], "node-config");
    assert_eq!(r.body["spec"]["configs"]["cpu_manager"]["mode"], "none");
    assert_eq!(r.body["status"]["phase"], "Running");

    let r = s
        .call(
            "GET",
            &format!("/v2/{PROJECT}/pools/{pool}/node-config-template"),
            &[],
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["metadata"]["name"], "node-config-template");
    assert_eq!(
        r.body["spec"]["templates"][0]["configs"]["transparent_hugepage"]["options"],
        json!(["madvise", "always", "never"])
    );
    s.call(
        "GET",
        &format!("/v2/{PROJECT}/pools/ghost/node-config"),
        &[],
        None,
    )
    .await
    .assert_error(404, "ModelArts.50015001");

    let r = s
        .call(
            "GET",
            &format!("/v1/{PROJECT}/nodeconfigtemplates/{NPU}"),
            &[],
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["spec"]["dockerBaseSize"], 50);
    assert_eq!(
        r.body["spec"]["osList"][0]["name"],
        "EulerOS 2.10 64bit for Arm"
    );
    assert_eq!(r.body["spec"]["osList"][0]["preferred"], true);
    s.call(
        "GET",
        &format!("/v1/{PROJECT}/nodeconfigtemplates/nope"),
        &[],
        None,
    )
    .await
    .assert_error(404, "ModelArts.50005101");
}
