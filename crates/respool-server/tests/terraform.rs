//! Replays, request for request, what the huaweicloud Terraform provider's
//! `huaweicloud_modelarts_resource_pool` resource sends for create → wait →
//! scale → wait → delete → wait for 404 (terraform-provider-huaweicloud,
//! `resource_huaweicloud_modelarts_resource_pool.go`: create l.825+, read
//! l.1212+, update l.1551+, delete l.2175+), signed as its golangsdk signs
//! ([`TestServer::call_go`]), and checks every response field the provider
//! reads. Bodies are what the provider's builders leave after
//! `utils.RemoveNil`, keys sorted as Go's encoder writes them.
//!
//! The server runs on the manual clock: where the provider sleeps between
//! polls (`Delay`, `PollInterval`), the test moves virtual time on by as
//! much, so nothing here sleeps, and the provider's 90-minute timeouts are
//! virtual minutes.

use respool_core::time::wall_ms;
use respool_testkit::{TestServer, PROJECT};
use serde_json::{json, Value};

const FLAVOR: &str = "modelarts.vm.cpu.4ud";
const DISPLAY: &str = "tf-pool";
const NETWORK: &str = "network-tf-0001";
const DESCRIPTION: &str = "created by terraform";
/// `Timeouts` of the resource: 90 minutes for create, update and delete.
const TIMEOUT_S: f64 = 90.0 * 60.0;
/// `order.phase` values the provider takes as done.
const ORDER_DONE: [&str; 2] = ["successed", "partialSuccessed"];

/// The provider, talking to one server, with the virtual time it has waited
/// in the current operation.
struct Provider {
    s: TestServer,
    waited: f64,
}

impl Provider {
    fn pools(&self) -> String {
        format!("/v2/{PROJECT}/pools")
    }

    fn pool_path(&self, id: &str) -> String {
        format!("/v2/{PROJECT}/pools/{id}")
    }

    /// A new operation: its timeout starts again.
    fn start(&mut self) {
        self.waited = 0.0;
    }

    /// What `retry.StateChangeConf` does between refreshes, on virtual time.
    async fn sleep(&mut self, seconds: f64, what: &str) {
        self.waited += seconds;
        assert!(
            self.waited <= TIMEOUT_S,
            "timeout while waiting for {what} ({TIMEOUT_S} s)"
        );
        self.s.advance(seconds).await;
    }

    /// `resourceModelartsResourcePoolCreate` up to the wait: POST with
    /// `OkCodes: [200]`; the pool's ID and its order name from the answer.
    async fn create(&mut self, body: &Value) -> (String, String) {
        self.start();
        let r = self
            .s
            .call_go(
                "POST",
                &self.pools(),
                &[],
                Some("application/json"),
                Some(body),
            )
            .await;
        assert_eq!(r.status, 200, "OkCodes [200]: {}", r.text);
        let id = r.body["metadata"]["name"].as_str().unwrap_or_default();
        assert!(
            !id.is_empty(),
            "unable to find resource pool ID in API response"
        );
        let order = r.body["metadata"]["labels"]["os.modelarts/order.name"]
            .as_str()
            .unwrap_or_default();
        assert!(
            !order.is_empty(),
            "unable to find order name of resource pool ({id}) in API response"
        );
        (id.to_owned(), order.to_owned())
    }

    /// `getResourcePoolOrdersByResourcePoolId`: every page of the orders of
    /// the last hour (by the provider's own clock), 500 at a time.
    async fn orders(&self, id: &str, since: &str) -> Vec<Value> {
        let mut all = Vec::new();
        let mut offset = 0;
        loop {
            let off = offset.to_string();
            let r = self
                .s
                .call_go(
                    "GET",
                    &format!("/v1/{PROJECT}/orders"),
                    &[
                        ("limit", "500"),
                        ("involvedName", id),
                        ("since", since),
                        ("offset", &off),
                    ],
                    None,
                    None,
                )
                .await;
            assert_eq!(r.status, 200, "list orders: {}", r.text);
            let items = r.body["items"].as_array().expect("items").clone();
            assert!(r.body["count"].as_u64().is_some(), "count: {}", r.text);
            let n = items.len();
            all.extend(items);
            if n < 500 {
                return all;
            }
            offset += n;
        }
    }

    /// `waitingForResourcePoolOrderStatusCompleted`: Delay 20 s, then every
    /// 30 s, until the order is `successed` or `partialSuccessed`; `failed`
    /// (with its `failReason`) and a missing order are errors.
    async fn wait_order(&mut self, id: &str, order: &str) -> Result<Value, String> {
        let since = (wall_ms() - 3_600_000).to_string();
        self.sleep(20.0, "the order").await;
        loop {
            let orders = self.orders(id, &since).await;
            let Some(item) = orders.iter().find(|o| o["orderName"] == order) else {
                return Err(format!(
                    "unable to find any orders under the resource pool ({id}) from API response"
                ));
            };
            let phase = item["phase"].as_str().unwrap_or_default();
            if phase == "failed" {
                return Err(format!(
                    "the order ({order}) failed: {}",
                    item["failReason"].as_str().unwrap_or_default()
                ));
            }
            if ORDER_DONE.contains(&phase) {
                return Ok(item.clone());
            }
            self.sleep(30.0, "the order").await;
        }
    }

    /// `getResourcePoolNodeNamesByOrderName`: `items[?status=='succeed'].resourceName`.
    async fn order_node_names(&self, order: &str) -> Vec<String> {
        let r = self
            .s
            .call_go(
                "GET",
                &format!("/v1/{PROJECT}/orders/{order}"),
                &[],
                None,
                None,
            )
            .await;
        assert_eq!(r.status, 200, "show order: {}", r.text);
        let items = r.body["items"].as_array().expect("items");
        assert_eq!(r.body["count"].as_u64(), Some(items.len() as u64));
        let failed: Vec<&Value> = items.iter().filter(|i| i["status"] == "failed").collect();
        assert!(failed.is_empty(), "failed nodes: {failed:?}");
        items
            .iter()
            .filter(|i| i["status"] == "succeed")
            .map(|i| i["resourceName"].as_str().expect("resourceName").to_owned())
            .collect()
    }

    /// `listV2ResourcePoolNodes`: every node, unpaged, `OkCodes: [200]`.
    async fn nodes(&self, id: &str) -> Vec<Value> {
        let r = self
            .s
            .call_go(
                "GET",
                &format!("{}/nodes", self.pool_path(id)),
                &[],
                None,
                None,
            )
            .await;
        assert_eq!(r.status, 200, "list nodes: {}", r.text);
        r.body["items"].as_array().expect("items").clone()
    }

    /// `waitForNodesDriverStatusCompleted`: every 30 s (no delay) until each
    /// named node's `status.driver.phase` is empty, `Running` or `Abnormal`;
    /// then `server_ids` from the nodes' instance labels.
    async fn wait_nodes(&mut self, id: &str, names: &[String]) -> Vec<String> {
        let nodes = loop {
            let nodes = self.nodes(id).await;
            let pending = names.iter().any(|name| {
                let phase = nodes
                    .iter()
                    .find(|n| n["metadata"]["name"] == name.as_str())
                    .and_then(|n| n["status"]["driver"]["phase"].as_str())
                    .unwrap_or_default();
                !phase.is_empty() && phase != "Running" && phase != "Abnormal"
            });
            if !pending {
                break nodes;
            }
            self.sleep(30.0, "the node drivers").await;
        };
        // During creation the names hold the pool's own too: it has no server.
        names
            .iter()
            .filter_map(|name| {
                nodes
                    .iter()
                    .find(|n| n["metadata"]["name"] == name.as_str())
                    .map(|n| {
                        n["metadata"]["labels"]["os.modelarts.node/underlying.instance.id"]
                            .as_str()
                            .expect("every node names its server")
                            .to_owned()
                    })
            })
            .collect()
    }

    /// `GetResourcePoolById`: GET with `Content-Type: application/json` and
    /// `OkCodes: [200]`.
    async fn get(&self, id: &str) -> respool_testkit::Response {
        self.s
            .call_go(
                "GET",
                &self.pool_path(id),
                &[],
                Some("application/json"),
                None,
            )
            .await
    }

    /// `waitForResourcePoolScopeStatusesCompleted`: Delay 45 s, then every
    /// 30 s until every `status.scope[].state` is `Enabled` or `Disabled`.
    async fn wait_scopes(&mut self, id: &str) {
        self.sleep(45.0, "the job types").await;
        loop {
            let r = self.get(id).await;
            assert_eq!(r.status, 200, "{}", r.text);
            let scopes = r.body["status"]["scope"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if scopes
                .iter()
                .all(|s| matches!(s["state"].as_str(), Some("Enabled" | "Disabled")))
            {
                return;
            }
            self.sleep(30.0, "the job types").await;
        }
    }

    /// `resourceModelartsResourcePoolRead`: every field the provider reads.
    async fn read(&self, id: &str, scope: &[&str], count: i64) -> Value {
        let r = self.get(id).await;
        assert_eq!(r.status, 200, "read: {}", r.text);
        let p = r.body;
        let labels = &p["metadata"]["labels"];
        assert_eq!(labels["os.modelarts/name"], DISPLAY);
        // Not set in the configuration: absent, so the state keeps it empty.
        assert!(labels.get("os.modelarts/node.prefix").is_none());
        assert_eq!(labels["os.modelarts/workspace.id"], "0");
        assert!(
            labels["os.modelarts/resource.id"]
                .as_str()
                .is_some_and(|r| !r.is_empty()),
            "resource_pool_id"
        );
        let annotations = &p["metadata"]["annotations"];
        assert_eq!(annotations["os.modelarts/description"], DESCRIPTION);
        assert_eq!(
            annotations["os.modelarts/billing.mode"], "0",
            "charging_mode stays postPaid"
        );
        let mut got: Vec<&str> = p["spec"]["scope"]
            .as_array()
            .expect("spec.scope")
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        got.sort();
        let mut want = scope.to_vec();
        want.sort();
        assert_eq!(got, want, "spec.scope");
        let resources = p["spec"]["resources"].as_array().expect("spec.resources");
        assert_eq!(resources.len(), 1);
        assert_eq!(resources[0]["flavor"], FLAVOR);
        assert_eq!(resources[0]["count"], count);
        assert_eq!(p["spec"]["network"]["name"], NETWORK);
        assert!(p["spec"]["network"].get("vpcId").is_none());
        assert!(p["spec"].get("userLogin").is_none());
        assert_eq!(p["status"]["phase"], "Running");
        p
    }

    /// `resourceModelartsResourcePoolUpdate`: PATCH with
    /// `Content-Type: application/merge-patch+json`, `OkCodes: [200]`; a
    /// count change needs the new order's name in the answer.
    async fn update(&mut self, id: &str, body: &Value) -> String {
        self.start();
        let r = self
            .s
            .call_go(
                "PATCH",
                &self.pool_path(id),
                &[],
                Some("application/merge-patch+json"),
                Some(body),
            )
            .await;
        assert_eq!(r.status, 200, "OkCodes [200]: {}", r.text);
        r.body["metadata"]["labels"]["os.modelarts/order.name"]
            .as_str()
            .filter(|o| !o.is_empty())
            .unwrap_or_else(|| {
                panic!("unable to find order name of resource pool ({id}) in API response")
            })
            .to_owned()
    }

    /// `resourceModelartsResourcePoolDelete`: list the nodes (prepaid ones
    /// would be unsubscribed through BSS), GET (404 means done), DELETE with
    /// `Content-Type: application/json` (default OkCodes 200/202/204), then
    /// Delay 30 s and every 10 s until a GET answers 404.
    async fn delete(&mut self, id: &str) {
        self.start();
        let prepaid: Vec<Value> = self
            .nodes(id)
            .await
            .into_iter()
            .filter(|n| n["metadata"]["annotations"]["os.modelarts/billing.mode"] == "1")
            .collect();
        assert!(prepaid.is_empty(), "no node to unsubscribe");
        let r = self.get(id).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let r = self
            .s
            .call_go(
                "DELETE",
                &self.pool_path(id),
                &[],
                Some("application/json"),
                None,
            )
            .await;
        assert!(
            [200, 202, 204].contains(&r.status),
            "delete: {} {}",
            r.status,
            r.text
        );
        self.sleep(30.0, "the deletion").await;
        loop {
            let r = self.get(id).await;
            match r.status {
                // Only an HTTP 404 counts, whatever the body.
                404 => return,
                200 => self.sleep(10.0, "the deletion").await,
                other => panic!("deleting: unexpected {other}: {}", r.text),
            }
        }
    }
}

/// What `buildCreateResourcePoolBodyParams` sends for
/// `name = "tf-pool"`, `workspace_id = "0"`, `description`, `scope`,
/// one `resources` block and `network_id`: empty and nil values removed,
/// except `clusters`, a nil `[]interface{}` that RemoveNil keeps as null.
fn create_body() -> Value {
    json!({
        "apiVersion": "v2",
        "kind": "Pool",
        "metadata": {
            "annotations": {"os.modelarts/description": DESCRIPTION},
            "labels": {"os.modelarts/name": DISPLAY, "os.modelarts/workspace.id": "0"}
        },
        "spec": {
            "clusters": null,
            "network": {"name": NETWORK},
            "resources": [{"count": 1, "flavor": FLAVOR}],
            "scope": ["Infer", "Train"],
            "type": "Dedicate"
        }
    })
}

async fn provider() -> Provider {
    Provider {
        s: TestServer::manual().await,
        waited: 0.0,
    }
}

#[tokio::test]
async fn create_scale_delete_as_the_terraform_provider_does() {
    let mut tf = provider().await;

    // Create, and wait as the provider does.
    let (id, order) = tf.create(&create_body()).await;
    let done = tf.wait_order(&id, &order).await.expect("creation order");
    assert_eq!(done["resourceName"], id.as_str());
    assert_eq!(done["operation"], "apply");
    let names = tf.order_node_names(&order).await;
    assert!(names.contains(&id), "the creation order names the pool");
    assert_eq!(names.len(), 2, "the pool and its node: {names:?}");
    let servers = tf.wait_nodes(&id, &names).await;
    assert_eq!(servers.len(), 1, "server_ids");
    tf.wait_scopes(&id).await;
    tf.read(&id, &["Train", "Infer"], 1).await;

    // Scale 1 → 2: the full resources list, maxCount from the state (0,
    // as the pool showed none), the description in the annotations.
    let patch = json!({
        "metadata": {"annotations": {"os.modelarts/description": DESCRIPTION}},
        "spec": {
            "resources": [{"count": 2, "flavor": FLAVOR, "maxCount": 0}],
            "scope": ["Infer", "Train"]
        }
    });
    let scale_order = tf.update(&id, &patch).await;
    assert_ne!(scale_order, order, "a new order for the new count");
    let done = tf
        .wait_order(&id, &scale_order)
        .await
        .expect("scaling order");
    assert_eq!(done["operation"], "modify");
    assert_eq!(done["initCount"][0]["count"], 1);
    assert_eq!(done["specCount"][0]["count"], 2);
    assert_eq!(done["resultCount"][0]["count"], 2);
    // Scaling up: the provider waits for the new nodes' drivers too.
    let names = tf.order_node_names(&scale_order).await;
    assert_eq!(names.len(), 1, "only the new node: {names:?}");
    assert!(!names.contains(&id));
    assert_eq!(tf.wait_nodes(&id, &names).await.len(), 1);
    tf.read(&id, &["Train", "Infer"], 2).await;

    // Delete, and wait for the 404.
    tf.delete(&id).await;

    // The orders and events of the pool outlive it.
    let since = (wall_ms() - 3_600_000).to_string();
    let orders = tf.orders(&id, &since).await;
    let ops: Vec<(&str, &str)> = orders
        .iter()
        .map(|o| {
            (
                o["operation"].as_str().unwrap(),
                o["phase"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ops,
        [
            ("delete", "successed"),
            ("modify", "successed"),
            ("apply", "successed")
        ],
        "newest first"
    );
    let r =
        tf.s.call_go(
            "GET",
            &format!("/v1/{PROJECT}/events"),
            &[("resource", "pools"), ("name", &id)],
            None,
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["kind"], "EventList");
    let messages: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    for want in [
        "Pool status changed, from Creating to Running.",
        "Pool status changed, from Running to Deleting.",
    ] {
        assert!(messages.contains(&want), "{want:?} not in {messages:?}");
    }
    assert!(
        messages[0].ends_with(&format!(
            "to 0/0/0/0, timestamp: {}.",
            messages[0]
                .rsplit("timestamp: ")
                .next()
                .unwrap()
                .trim_end_matches('.')
        )),
        "the last event: no nodes left ({messages:?})"
    );
}

#[tokio::test]
async fn a_failed_creation_fails_the_provider_with_the_reason() {
    let mut tf = provider().await;
    tf.s.add_fault("os.modelarts/name=tf-pool", "creation-fails", None)
        .await;
    let (id, order) = tf.create(&create_body()).await;
    let err = tf.wait_order(&id, &order).await.unwrap_err();
    assert!(
        err.contains(&format!(
            "the order ({order}) failed: Failed to create the pool"
        )),
        "{err}"
    );
    // The pool stays listed as failed; its events say why.
    let r =
        tf.s.call_go(
            "GET",
            &format!("/v1/{PROJECT}/events"),
            &[("resource", "pools"), ("name", &id), ("type", "Warning")],
            None,
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["items"][0]["message"],
        "Pool status changed, from Creating to CreationFailed, details: Failed to create the pool: the resources could not be provisioned."
    );
}

#[tokio::test]
async fn an_order_of_another_pool_is_not_found_in_the_list() {
    // The provider looks for its order by name among the pool's orders;
    // a pool with no such order is an immediate error, not a wait.
    let mut tf = provider().await;
    let (id, _) = tf.create(&create_body()).await;
    let err = tf.wait_order(&id, "order.tf-pool-zzzzz").await.unwrap_err();
    assert!(err.contains("unable to find any orders"), "{err}");
    // A pool that never existed: 404 from the orders list.
    let r =
        tf.s.call_go(
            "GET",
            &format!("/v1/{PROJECT}/orders"),
            &[("involvedName", "nope-pool"), ("limit", "500")],
            None,
            None,
        )
        .await;
    let msg = r.assert_error(404, "ModelArts.50015001");
    assert_eq!(msg, "pool \"nope-pool\" not found");
}

/// `huaweicloud_modelartsv2_node_batch_reboot` and `..._reset`: the job the
/// provider polls (`GET v2/{p}/jobs/{job_id}`, after 30 s and then every
/// 30 s) until `phase` is `Success`.
impl Provider {
    async fn node_batch(&self, pool: &str, action: &str, body: &Value) -> Value {
        let r = self
            .s
            .call_go(
                "POST",
                &format!("{}/nodes/batch-{action}", self.pool_path(pool)),
                &[],
                Some("application/json"),
                Some(body),
            )
            .await;
        assert_eq!(r.status, 200, "batch-{action}: {}", r.text);
        r.body
    }

    async fn wait_job(&mut self, job_id: &str) {
        self.start();
        loop {
            self.sleep(30.0, "the node job").await;
            let r = self
                .s
                .call_go(
                    "GET",
                    &format!("/v2/{PROJECT}/jobs/{job_id}"),
                    &[],
                    None,
                    None,
                )
                .await;
            assert_eq!(r.status, 200, "job: {}", r.text);
            match r.body["phase"].as_str().unwrap_or_default() {
                "Success" => return,
                "Failed" => panic!("the job failed: {}", r.body["message"]),
                _ => {}
            }
        }
    }
}

#[tokio::test]
async fn node_lock_reboot_and_reset_as_the_terraform_provider_does() {
    let mut tf = provider().await;
    let mut body = create_body();
    body["spec"]["resources"][0]["count"] = json!(2);
    let (id, order) = tf.create(&body).await;
    tf.wait_order(&id, &order).await.expect("creation order");
    let names = tf.order_node_names(&order).await;
    let nodes: Vec<String> = names.into_iter().filter(|n| n != &id).collect();
    tf.wait_nodes(&id, &nodes).await;

    // batch-lock / batch-unlock: no wait; each node answers success.
    let lock = json!({"actions": ["delete"], "nodeNames": [nodes[0]]});
    let r = tf.node_batch(&id, "lock", &lock).await;
    assert_eq!(r["nodes"][0]["status"], "success");
    let r = tf.node_batch(&id, "unlock", &lock).await;
    assert_eq!(r["nodes"][0]["status"], "success");

    // batch-reboot: reads job_id, then polls the job.
    let r = tf
        .node_batch(&id, "reboot", &json!({"nodeNames": [nodes[0]]}))
        .await;
    let job = r["job_id"].as_str().expect("job_id").to_owned();
    tf.wait_job(&job).await;

    // batch-reset with the rolling config the resource sends.
    let reset = json!({
        "nodeNames": nodes,
        "rollingConfig": {"maxUnavailable": 1, "strategy": "RollingByNumber"}
    });
    let r = tf.node_batch(&id, "reset", &reset).await;
    let job = r["job_id"].as_str().expect("job_id").to_owned();
    tf.wait_job(&job).await;
    let r =
        tf.s.call_go(
            "GET",
            &format!("{}/nodes", tf.pool_path(&id)),
            &[],
            None,
            None,
        )
        .await;
    let phases: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["status"]["phase"].as_str().unwrap())
        .collect();
    assert_eq!(phases, ["Available", "Available"]);
}
