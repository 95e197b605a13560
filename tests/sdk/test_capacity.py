"""Capacity through the official SDK, unchanged, on the manual clock (the
server of test_lifecycle.py, one per module): workloads declared through
the admin API and read with list_workloads, show_workload_statistics and
show_pool_runtime_metrics; show_os_quota, show_workspace_quotas,
update_workspace_quotas; show_network_available_ip.
"""
import json

from huaweicloudsdkmodelarts.v1 import model as m

from test_lifecycle import (  # noqa: F401  (fixtures)
    NODE_CREATE, PROJECT_ID, client, create, expect_error, nodes, scale, server, unique,
)


def running_pool(server, client, count=1):
    name, _ = create(client, count=count)
    server.advance(NODE_CREATE)
    return name


def add_workload(server, pool, **body):
    r = server.admin("POST", f"/_respool/pools/{PROJECT_ID}/{pool}/workloads", body)
    assert r.status_code == 201, r.text
    return r.json()


def millis(q):
    return int(q.rstrip("m"))


def test_workloads_statistics_and_runtime_metrics(server, client):
    pool = running_pool(server, client)
    node = nodes(client, pool).items[0]
    cap = millis(node.status.resources.cpu)
    add_workload(server, pool, name="sdk-train", type="train",
                 resources={"cpu": "1", "memory": "1Gi"}, runningSeconds=120, userName="bob")
    add_workload(server, pool, name="sdk-wait", type="infer",
                 resources={"cpu": f"{cap}m"})

    r = client.list_workloads(m.ListWorkloadsRequest(pool_name=pool))
    assert r.kind == "WorkloadList"
    by_name = {w.name: w for w in r.items}
    train = by_name["sdk-train"]
    assert (train.type, train.status, train.user_name) == ("train", "Running", "bob")
    assert train.resource_requirement.cpu == "1000m"
    assert train.resource_requirement.memory == "1024Mi"
    assert train.host_ips == node.status.private_ip
    assert train.nodes[0].host_ip == node.status.private_ip
    assert isinstance(train.create_time, int)
    wait = by_name["sdk-wait"]
    assert (wait.status, wait.pending_position, wait.host_ips) == ("Queue", 1, "")

    only = client.list_workloads(m.ListWorkloadsRequest(pool_name=pool, type="infer"))
    assert [w.name for w in only.items] == ["sdk-wait"]
    paged = client.list_workloads(m.ListWorkloadsRequest(pool_name=pool, limit=1, offset="1"))
    assert [w.name for w in paged.items] == ["sdk-wait"]
    on_node = client.list_workloads(m.ListWorkloadsRequest(
        pool_name=pool, hostip=[node.status.private_ip]))
    assert [w.name for w in on_node.items] == ["sdk-train"]

    # The node shows what the running workload leaves.
    node = nodes(client, pool).items[0]
    assert millis(node.status.available_resources.cpu) == cap - 1000

    stats = client.show_workload_statistics(m.ShowWorkloadStatisticsRequest(pool_name=pool))
    assert stats.statistics.total == 2
    per_type = {i.type: i for i in stats.statistics.items}
    assert per_type["train"].status.running == 1
    assert per_type["infer"].status.queue == 1
    assert per_type["notebook"].total == 0

    metrics = client.show_pool_runtime_metrics(m.ShowPoolRuntimeMetricsRequest())
    assert metrics.kind == "PoolMetricsList"
    mine = [i for i in metrics.items if i.metadata.name == pool]
    assert len(mine) == 1
    table = mine[0].table
    assert millis(table.allocated.value.cpu) == 1000
    assert millis(table.capacity.value.cpu) == cap
    assert millis(table.available.value.cpu) == cap - 1000
    assert table.workload.allocated.train == 1
    assert table.workload.queue.infer == 1

    # The first finishes; the queued one takes the whole node.
    server.advance(120)
    r = client.list_workloads(m.ListWorkloadsRequest(pool_name=pool, status="Running"))
    assert [w.name for w in r.items] == ["sdk-wait"]
    node = nodes(client, pool).items[0]
    assert millis(node.status.available_resources.cpu) == 0
    stats = client.show_workload_statistics(m.ShowWorkloadStatisticsRequest(pool_name=pool))
    assert {i.type: i for i in stats.statistics.items}["train"].status.completed == 1

    expect_error(lambda: client.list_workloads(m.ListWorkloadsRequest(pool_name=pool, limit=501)),
                 400, "ModelArts.50004000")
    expect_error(lambda: client.show_workload_statistics(
        m.ShowWorkloadStatisticsRequest(pool_name="no-such-pool")), 404, "ModelArts.50015001")


def test_os_quota_counts_and_refuses(server, client):
    def quotas():
        r = client.show_os_quota(m.ShowOsQuotaRequest())
        return {q.type: (q.quota, q.used) for q in r.quotas.resources}

    before = quotas()
    assert isinstance(before["pool"][0], str) and isinstance(before["pool"][1], str)
    create(client, count=2)
    after = quotas()
    assert int(after["pool"][1]) == int(before["pool"][1]) + 1
    assert int(after["node"][1]) == int(before["node"][1]) + 2

    used = int(after["pool"][1])
    r = server.admin("PUT", f"/_respool/quotas/{PROJECT_ID}", {"pool": used})
    assert r.status_code == 200, r.text
    try:
        assert quotas()["pool"] == (str(used), str(used))
        e = expect_error(lambda: create(client), 400, "ModelArts.0116")
        assert e.error_msg == "The expected pool exceeds the quota limit."
    finally:
        server.admin("PUT", f"/_respool/quotas/{PROJECT_ID}", {"pool": -1})
    create(client)


def test_workspace_quotas_show_update_and_enforce(server, client):
    ws = client.create_workspace(m.CreateWorkspaceRequest(
        body=m.CreateWorkspaceReq(name=unique("wsq").replace("-", "_")))).id
    shown = client.show_workspace_quotas(m.ShowWorkspaceQuotasRequest(workspace_id=ws))
    by = {q.resource: q for q in shown.quotas}
    assert by["modelarts.pool"].quota == -1
    assert by["modelarts.pool"].used_quota is None
    assert (by["modelarts.pool"].min_quota, by["modelarts.pool"].max_quota) == (-1, 1000)
    assert by["modelarts.pool"].name_en

    body = m.UpdateWorkspaceQuotasReq(quotas=[
        m.UpdateWorkspaceQuotasReqQuotas(resource="modelarts.pool", quota=1)])
    r = client.update_workspace_quotas(m.UpdateWorkspaceQuotasRequest(workspace_id=ws, body=body))
    assert [(q.resource, q.quota) for q in r.quotas] == [("modelarts.pool", 1)]

    def in_ws():
        display = unique()
        body = m.CreatePoolRequestBody(
            api_version="v2", kind="Pool",
            metadata=m.PoolMetadataCreation(labels=m.PoolLabelsCreation(
                os_modelarts_name=display, os_modelarts_workspace_id=ws)),
            spec=m.PoolSpecCreation(
                type="Dedicate", scope=["Train"],
                resources=[m.PoolResourceFlavor(flavor="modelarts.vm.cpu.4ud", count=1)],
                network=m.PoolSpecCreationNetwork(name="net-life")))
        return client.create_pool(m.CreatePoolRequest(body=body))

    in_ws()
    shown = client.show_workspace_quotas(m.ShowWorkspaceQuotasRequest(workspace_id=ws))
    assert {q.resource: q for q in shown.quotas}["modelarts.pool"].used_quota == 1
    expect_error(in_ws, 400, "ModelArts.0116")

    too_many = m.UpdateWorkspaceQuotasReq(quotas=[
        m.UpdateWorkspaceQuotasReqQuotas(resource="modelarts.pool", quota=1001)])
    expect_error(lambda: client.update_workspace_quotas(
        m.UpdateWorkspaceQuotasRequest(workspace_id=ws, body=too_many)), 400, "ModelArts.50004000")
    expect_error(lambda: client.show_workspace_quotas(
        m.ShowWorkspaceQuotasRequest(workspace_id="f" * 32)), 400, "ModelArts.7005")


def test_network_available_ip_and_exhaustion(server, client):
    display = unique("ipn")
    net = client.create_network(m.CreateNetworkRequest(body=m.NetworkCreationRequest(
        api_version="v1", kind="Network",
        metadata=m.NetworkMetadataCreation(labels=m.NetworkMetadataLabels(os_modelarts_name=display)),
        spec=m.NetworkSpec(cidr="192.168.20.0/24"))))
    name = net.metadata.name
    subnet_id = json.loads(net.raw_content)["status"]["subnets"][0]["networkId"]

    def ips():
        r = client.show_network_available_ip(
            m.ShowNetworkAvailableIpRequest(network_name=name, network_id=subnet_id))
        assert r.network_id == subnet_id
        return r.subnet_ip_availability[0]

    first = ips()
    assert (first.cidr, first.ip_version, first.total_ips, first.used_ips) == (
        "192.168.20.0/24", 4, 253, 0)

    def on_net(count):
        body = m.CreatePoolRequestBody(
            api_version="v2", kind="Pool",
            metadata=m.PoolMetadataCreation(labels=m.PoolLabelsCreation(
                os_modelarts_name=unique(), os_modelarts_workspace_id="0")),
            spec=m.PoolSpecCreation(
                type="Dedicate", scope=["Train"],
                resources=[m.PoolResourceFlavor(flavor="modelarts.vm.cpu.4ud", count=count)],
                network=m.PoolSpecCreationNetwork(name=name)))
        return client.create_pool(m.CreatePoolRequest(body=body))

    on_net(250)
    assert ips().used_ips == 250
    e = expect_error(lambda: on_net(4), 400, "ModelArts.50004000")
    assert "3 available IP addresses" in e.error_msg
    on_net(3)
    assert ips().used_ips == 253
    expect_error(lambda: client.show_network_available_ip(
        m.ShowNetworkAvailableIpRequest(network_name="no-such-net")), 404, "ModelArts.50025001")
