"""Node day-2 operations, jobs and scheduled events through the official SDK,
unchanged, on the manual clock (the server of test_lifecycle.py, one per module).
"""
import json

from huaweicloudsdkmodelarts.v1 import model as m

from test_lifecycle import (  # noqa: F401  (fixtures)
    NODE_CREATE, PROJECT_ID, client, create, expect_error, nodes, scale, server, show,
)

REBOOT = 300
RESET = 600
MIGRATE = 600


def running_pool(server, client, count):
    name, display = create(client, count=count)
    server.advance(NODE_CREATE)
    return name, display, [n.metadata.name for n in nodes(client, name).items]


def node(client, pool, name):
    return client.show_pool_node(m.ShowPoolNodeRequest(pool_name=pool, node_name=name))


def job_phase(client, pool, job_id):
    jobs = client.list_jobs(m.ListJobsRequest(resource="pools", name=pool))
    found = [j for j in jobs.items if j.job_id == job_id]
    assert len(found) == 1, jobs
    return found[0].phase


def test_lock_blocks_delete_and_unlock_releases(server, client):
    pool, _, names = running_pool(server, client, 2)
    body = m.BatchLockPoolNodesRequestBody(node_names=[names[0]], actions=["delete"])
    r = client.batch_lock_pool_nodes(m.BatchLockPoolNodesRequest(pool_name=pool, body=body))
    assert [(n.name, n.status) for n in r.nodes] == [(names[0], "success")]
    expect_error(lambda: client.batch_delete_pool_nodes(m.BatchDeletePoolNodesRequest(
        pool_name=pool, body=m.NodesDeletionRequest(delete_node_names=[names[0]]))),
        400, "ModelArts.50004000")
    r = client.batch_unlock_pool_nodes(m.BatchUnlockPoolNodesRequest(pool_name=pool, body=body))
    assert r.nodes[0].status == "success"
    client.batch_delete_pool_nodes(m.BatchDeletePoolNodesRequest(
        pool_name=pool, body=m.NodesDeletionRequest(delete_node_names=[names[0]])))
    assert node(client, pool, names[0]).status.phase == "Deleting"


def test_reboot_and_its_job(server, client):
    pool, _, names = running_pool(server, client, 2)
    r = client.batch_reboot_pool_nodes(m.BatchRebootPoolNodesRequest(
        pool_name=pool, body=m.BatchRebootPoolNodesRequestBody(node_names=[names[0]])))
    assert r.node_names == [names[0]]
    job_id = json.loads(r.raw_content)["job_id"]
    assert node(client, pool, names[0]).status.phase == "Checking"
    assert job_phase(client, pool, job_id) == "Running"
    server.advance(REBOOT)
    assert node(client, pool, names[0]).status.phase == "Available"
    assert job_phase(client, pool, job_id) == "Success"


def test_reset_rolls_and_sets_the_os(server, client):
    pool, _, names = running_pool(server, client, 2)
    body = m.ResetNodesRequest(
        node_names=names,
        rolling_config=m.ResetNodesRequestRollingConfig(strategy="RollingByNumber", max_unavailable=1),
        node_config=m.ResetNodesRequestNodeConfig(os="EulerOS 2.10 64bit"))
    r = client.batch_reset_pool_nodes(m.BatchResetPoolNodesRequest(pool_name=pool, body=body))
    assert r.job_id
    phases = [n.status.phase for n in nodes(client, pool).items]
    assert phases.count("Checking") == 1, phases
    server.advance(RESET)
    server.advance(RESET)
    assert job_phase(client, pool, r.job_id) == "Success"
    assert node(client, pool, names[1]).spec.os.name == "EulerOS 2.10 64bit"


def test_drain_update_and_bind(server, client):
    pool, _, names = running_pool(server, client, 2)
    client.batch_drain_pool_nodes(m.BatchDrainPoolNodesRequest(
        pool_name=pool, body=m.BatchDrainPoolNodesReq(node_names=[names[0]])))
    raw = json.loads(node(client, pool, names[0]).raw_content)
    assert raw["spec"]["unschedulable"] is True

    r = client.batch_update_pool_nodes(m.BatchUpdatePoolNodesRequest(
        pool_name=pool, body=m.BatchUpdatePoolNodesRequestBody(
            node_names=[names[0], "ghost"], action="openHaRedundant", ha_redundant_effect="NoSchedule")))
    assert r.success_node_names == [names[0]]
    assert r.fail_node_names == ["ghost"]
    assert node(client, pool, names[0]).metadata.labels.os_modelarts_node_ha_redundant_enabled == "true"

    r = client.batch_update_pool_nodes(m.BatchUpdatePoolNodesRequest(
        pool_name=pool, body=m.BatchUpdatePoolNodesRequestBody(
            node_names=[names[1]], action="createTags", tags=[m.NodeTag(key="team", value="ml")])))
    assert r.success_node_names == [names[1]]

    client.batch_bind_pool_nodes(m.BatchBindPoolNodesRequest(
        pool_name=pool, body=m.BatchBindPoolNodesReq(
            nodes=[m.BindNodeItem(name=names[1], quota_name="team-a")], drain=False)))
    assert node(client, pool, names[1]).metadata.labels.os_modelarts_node_elastic_quota == "team-a"


def test_migrate_moves_a_node(server, client):
    source, _, names = running_pool(server, client, 2)
    target, _, _ = running_pool(server, client, 1)
    r = client.batch_migrate_pool_nodes(m.BatchMigratePoolNodesRequest(
        pool_name=source, body=m.NodeBatchMigrationRequest(
            migrate_node_names=[names[0]], to_pool_name=target,
            resource_spec=m.MigrateResourceSpec(flavor="modelarts.vm.cpu.4ud"))))
    assert r.job_id
    server.advance(MIGRATE)
    assert job_phase(client, source, r.job_id) == "Success"
    assert [n.metadata.name for n in nodes(client, source).items] == [names[1]]
    assert names[0] in [n.metadata.name for n in nodes(client, target).items]


def test_resize_a_hyper_instance_batch(server, client):
    display = "hyper-sdk"
    body = m.CreatePoolRequestBody(
        api_version="v2", kind="Pool",
        metadata=m.PoolMetadataCreation(labels=m.PoolLabelsCreation(
            os_modelarts_name=display, os_modelarts_workspace_id="0")),
        spec=m.PoolSpecCreation(
            type="Dedicate", scope=["Train"],
            resources=[m.PoolResourceFlavor(flavor="modelarts.bm.npu.arm.8snt9b23.hi", count=8)],
            network=m.PoolSpecCreationNetwork(name="net-life")))
    pool = client.create_pool(m.CreatePoolRequest(body=body)).metadata.name
    server.advance(NODE_CREATE)
    uid = nodes(client, pool).items[0].metadata.labels.os_modelarts_node_batch_uid
    flavor = "modelarts.bm.npu.arm.8snt9b23.hi"
    r = client.batch_resize_pool_nodes(m.BatchResizePoolNodesRequest(
        pool_name=pool, body=m.BatchResizeRequestBody(
            nodes=[m.ResizeNodeInfo(batch_uid=uid, delete_node_names=[])],
            source=m.NodeResizeParams(flavor=flavor, creating_step={"type": "hyperinstance", "step": 8}),
            target=m.NodeResizeParams(flavor=flavor, creating_step={"type": "hyperinstance", "step": 16}))))
    assert json.loads(r.raw_content)["orderName"]
    assert len(nodes(client, pool).items) == 16


def test_scheduled_event_accept(server, client):
    pool, display, _ = running_pool(server, client, 1)
    r = server.admin("POST", "/_respool/scheduled-events",
                     {"labelSelector": f"os.modelarts/name={display}", "type": "node_redeploy"})
    assert r.status_code == 201, r.text
    event_id = r.json()["ids"][0]
    listed = client.list_scheduled_events(m.ListScheduledEventsRequest(pool_name=pool, state=["inquiring"]))
    assert listed.count == 1
    assert listed.events[0].id == event_id
    now = server.admin("GET", "/_respool/clock").json()["now"]
    accepted = client.accept_scheduled_event(m.AcceptScheduledEventRequest(
        event_id=event_id, body=m.EventUpdate(
            not_before=now, redeploy_config=m.RedeployConfig(type="HARD", auto_flow="true"))))
    assert accepted.state == "executing"
    server.advance(RESET)
    listed = client.list_scheduled_events(m.ListScheduledEventsRequest(pool_name=pool))
    assert listed.events[0].state == "completed"
    expect_error(lambda: client.accept_scheduled_event(m.AcceptScheduledEventRequest(
        event_id=event_id, body=m.EventUpdate())), 400, "ModelArts.50004000")
