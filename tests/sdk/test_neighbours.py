"""The pool's neighbours through the official SDK: resource flavors, networks,
workspaces, pool statistics, pool tags and pool monitoring."""
import json
import re
import subprocess
import time

import pytest

from harness import (FLAVOR, PROJECT_ID, _clean_env, expect_client_error, m, pool_body,
                     respool_bin, signed_request, unique_name, wait_for)

GO_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,9})? \+0000 UTC$")
CUSTOM_FLAVOR = "custom.vm.cpu.2u"
NOPE_WORKSPACE = "ffffffffffffffffffffffffffffffff"


def raw(resp):
    return json.loads(resp.raw_content)


def network_request(display, cidr="192.168.0.0/16", workspace_id=None):
    return m.CreateNetworkRequest(body=m.NetworkCreationRequest(
        api_version="v1", kind="Network",
        metadata=m.NetworkMetadataCreation(labels=m.NetworkMetadataLabels(
            os_modelarts_name=display, os_modelarts_workspace_id=workspace_id)),
        spec=m.NetworkSpec(cidr=cidr)))


def create_workspace(client, **kw):
    return client.create_workspace(m.CreateWorkspaceRequest(
        body=m.CreateWorkspaceReq(name=unique_name("ws"), **kw)))


@pytest.fixture
def cleanup(client):
    """Deletes what a test registers, pools first, whatever happens."""
    pools, networks, workspaces = [], [], []
    yield pools, networks, workspaces
    for name in pools:
        try:
            client.delete_pool(m.DeletePoolRequest(pool_name=name))
        except Exception:
            pass
    for name in networks:
        try:
            client.delete_network(m.DeleteNetworkRequest(network_name=name))
        except Exception:
            pass
    for ws in workspaces:
        try:
            client.delete_workspace(m.DeleteWorkspaceRequest(workspace_id=ws))
        except Exception:
            pass


# ------------------------------------------------------------------ flavors

def all_flavor_names(client, **kw):
    names, token = [], None
    for _ in range(1000):
        resp = client.list_resource_flavors(m.ListResourceFlavorsRequest(_continue=token, **kw))
        names += [f.metadata.name for f in resp.items]
        token = resp.metadata._continue
        assert token == raw(resp)["metadata"].get("continue")
        if not token:
            return names
    raise AssertionError("paging did not end")


def test_list_resource_flavors(client):
    resp = client.list_resource_flavors(m.ListResourceFlavorsRequest())
    assert resp.kind == "ResourceFlavorList" and resp.api_version == "v1"
    names = [f.metadata.name for f in resp.items]
    assert FLAVOR in names and names == sorted(names)
    cpu = next(f for f in resp.items if f.metadata.name == FLAVOR)
    assert cpu.kind == "ResourceFlavor"
    assert cpu.spec.type == "Dedicate" and cpu.spec.cpu_arch == "x86"
    assert cpu.spec.cpu == "4" and cpu.spec.memory.endswith("Gi")
    assert "Train" in cpu.metadata.labels.os_modelarts_scope.split(".")
    assert cpu.spec.billing_modes and all(isinstance(b, int) for b in cpu.spec.billing_modes)
    assert cpu.status.phase.get("local-1a") == "normal"
    gpu = next(f for f in resp.items if f.spec.gpu is not None)
    assert gpu.spec.gpu.type and gpu.spec.gpu.card.isdigit()


def test_resource_flavors_page_and_filter(client):
    everything = [f.metadata.name for f in
                  client.list_resource_flavors(m.ListResourceFlavorsRequest()).items]
    first = client.list_resource_flavors(m.ListResourceFlavorsRequest(limit=2))
    body = raw(first)
    assert len(first.items) == 2
    assert body["metadata"]["remainingItemCount"] == len(everything) - 2
    assert first.metadata.remaining_item_count == len(everything) - 2
    assert all_flavor_names(client, limit=3) == everything
    # A bare key selects every flavor that has the label.
    assert all_flavor_names(client, label_selector="os.modelarts/scope") == everything
    metal = all_flavor_names(client, limit=1, label_selector="os.modelarts.flavor/baremetal=true")
    assert metal and set(metal) < set(everything)
    expect_client_error(
        lambda: client.list_resource_flavors(m.ListResourceFlavorsRequest(_continue="garbled!")),
        400, "ModelArts.50004000")
    expect_client_error(
        lambda: client.list_resource_flavors(m.ListResourceFlavorsRequest(limit=501)),
        400, "ModelArts.50004000")


@pytest.fixture(scope="module")
def flavors_file(farm):
    path = farm.root / "extra-flavors.json"
    path.write_text(json.dumps([{
        "name": CUSTOM_FLAVOR, "kind": "cpu", "cpu_arch": "x86", "cpu": 2, "memory_gi": 8,
        "root_volume": {"volume_type": "SSD", "size_gi": 50}, "billing_modes": [0],
        "scopes": ["Train", "Infer"], "az_phase": {"a": "normal"}}]))
    return path


def test_serve_with_a_flavors_file(farm, flavors_file):
    srv = farm.get("immediate", "enforce", ("--flavors", str(flavors_file), "--lenient-networks"))
    client = srv.client()
    names = all_flavor_names(client)
    assert CUSTOM_FLAVOR in names and FLAVOR in names
    created = client.create_pool(m.CreatePoolRequest(
        body=pool_body(unique_name(), resources=((CUSTOM_FLAVOR, 1),))))
    assert created.spec.resources[0].flavor == CUSTOM_FLAVOR
    client.delete_pool(m.DeletePoolRequest(pool_name=created.metadata.name))


def test_a_bad_flavors_file_stops_the_server(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('[{"name": "x"}]')
    res = subprocess.run(
        [str(respool_bin()), "serve", "--listen", "127.0.0.1:0", "--data-dir",
         str(tmp_path / "data"), "--flavors", str(bad)],
        env=_clean_env(), capture_output=True, text=True, timeout=30)
    assert res.returncode != 0
    assert "flavors" in (res.stdout + res.stderr)


# ------------------------------------------------------------------ networks

def test_network_lifecycle(fast_server):
    client = fast_server.client()
    display = unique_name("net")
    started = time.monotonic()
    created = client.create_network(network_request(display, "192.168.128.0/17"))
    name = created.metadata.name
    assert name == f"{display}-{PROJECT_ID}"
    assert created.status.phase == "", "no phase in the create answer"
    assert created.metadata.labels.os_modelarts_workspace_id == "0"
    assert raw(created)["status"]["subnets"][0]["networkId"]
    try:
        shown = client.show_network(m.ShowNetworkRequest(network_name=name))
        if time.monotonic() - started < 0.8:
            assert shown.status.phase == "Creating"
        wait_for(lambda: client.show_network(m.ShowNetworkRequest(network_name=name))
                 .status.phase == "Active", timeout=10, what="network Active")

        listed = client.list_networks(m.ListNetworksRequest(
            label_selector=f"os.modelarts/name={display}"))
        assert [n.metadata.name for n in listed.items] == [name]
        assert listed.kind == "NetworkList"

        patched = client.patch_network(m.PatchNetworkRequest(network_name=name, body=m.NetworkUpdateRequest(
            metadata=m.NetworkMetadataUpdate(
                annotations=m.NetworkMetadataAnnotations(os_modelarts_description="peered")),
            spec=m.NetworkSpecUpdate(connection=m.NetworkConnection(peer_connection_list=[
                m.PeerConnectionItem(peer_vpc_id="vpc-1", peer_subnet_id="subnet-1",
                                     default_gate_way=False)])))))
        assert patched.metadata.annotations.os_modelarts_description == "peered"
        assert patched.spec.connection.peer_connection_list[0].peer_vpc_id == "vpc-1"
        status = patched.status.connection_status.peer_connection_status[0]
        assert status.phase == "Active"
    finally:
        deleted = client.delete_network(m.DeleteNetworkRequest(network_name=name))
    assert deleted.metadata.name == name
    e = expect_client_error(lambda: client.show_network(m.ShowNetworkRequest(network_name=name)),
                            404, "ModelArts.50025001")
    assert e.error_msg == "Network not exist."
    expect_client_error(lambda: client.delete_network(m.DeleteNetworkRequest(network_name=name)),
                        404, "ModelArts.50025001")


def test_network_rules(client, cleanup):
    for display, cidr in [("Bad_Name", "192.168.0.0/16"), ("net", "192.168.0.0/16"),
                          (unique_name("net"), "10.0.0.0/16"), (unique_name("net"), "192.168.0.0/25"),
                          (unique_name("net"), "172.16.0.0/12")]:
        expect_client_error(lambda: client.create_network(network_request(display, cidr)),
                            400, "ModelArts.50004000")
    expect_client_error(
        lambda: client.create_network(network_request(unique_name("net"),
                                                      workspace_id=NOPE_WORKSPACE)),
        400, "ModelArts.7005")
    display = unique_name("net")
    cleanup[1].append(client.create_network(network_request(display, "172.16.0.0/16")).metadata.name)
    expect_client_error(lambda: client.create_network(network_request(display)),
                        409, "ModelArts.50025000")


def test_network_paging(client, cleanup):
    label = unique_name("grp")
    names = []
    for i in range(3):
        body = network_request(unique_name("net"), f"192.168.{i}.0/24")
        resp = client.create_network(body)
        names.append(resp.metadata.name)
        cleanup[1].append(resp.metadata.name)
        client.patch_network(m.PatchNetworkRequest(network_name=resp.metadata.name, body=m.NetworkUpdateRequest(
            metadata=m.NetworkMetadataUpdate(
                annotations=m.NetworkMetadataAnnotations(os_modelarts_description=label)))))
    seen, token = [], None
    while True:
        resp = client.list_networks(m.ListNetworksRequest(limit=1, _continue=token))
        seen += [n.metadata.name for n in resp.items]
        token = raw(resp)["metadata"].get("continue")
        if not token:
            break
    assert [n for n in seen if n in names] == names
    expect_client_error(lambda: client.list_networks(m.ListNetworksRequest(_continue="nope")),
                        400, "ModelArts.50004000")


def test_a_network_in_use_cannot_be_deleted(client, cleanup):
    net = client.create_network(network_request(unique_name("net"))).metadata.name
    cleanup[1].append(net)
    pool = client.create_pool(m.CreatePoolRequest(body=pool_body(unique_name(), network=net)))
    cleanup[0].append(pool.metadata.name)
    expect_client_error(lambda: client.delete_network(m.DeleteNetworkRequest(network_name=net)),
                        400, "ModelArts.50004000")
    client.delete_pool(m.DeletePoolRequest(pool_name=pool.metadata.name))
    assert client.delete_network(m.DeleteNetworkRequest(network_name=net)).metadata.name == net


def test_networks_are_checked_by_default(farm):
    strict = farm.get("immediate", "enforce", ())
    client = strict.client()
    expect_client_error(
        lambda: client.create_pool(m.CreatePoolRequest(body=pool_body(unique_name(),
                                                                      network="net-unknown"))),
        400, "ModelArts.50004000")
    net = client.create_network(network_request(unique_name("net"))).metadata.name
    pool = client.create_pool(m.CreatePoolRequest(body=pool_body(unique_name(), network=net)))
    assert pool.spec.network.name == net
    client.delete_pool(m.DeletePoolRequest(pool_name=pool.metadata.name))
    client.delete_network(m.DeleteNetworkRequest(network_name=net))


def test_networks_are_lenient_by_default(make_pool):
    assert make_pool(network="net-never-created").metadata.name


# ------------------------------------------------------------------ workspaces

def test_workspace_lifecycle(client):
    listed = client.list_workspace(m.ListWorkspaceRequest())
    default = next(w for w in listed.workspaces if w.id == "0")
    assert default.name == "default" and default.status == "NORMAL"
    assert isinstance(default.create_time, int)
    assert listed.total_count >= 1 and listed.count == len(listed.workspaces)

    created = create_workspace(client, description="for the SDK tests", auth_type="PUBLIC")
    ws = created.id
    assert re.fullmatch(r"[0-9a-f]{32}", ws)
    assert created.status == "NORMAL" and created.auth_type == "PUBLIC"
    assert isinstance(created.create_time, int) and created.create_time > 1_600_000_000_000
    shown = client.show_workspace(m.ShowWorkspaceRequest(workspace_id=ws))
    assert shown.name == created.name and shown.description == "for the SDK tests"
    found = client.list_workspace(m.ListWorkspaceRequest(name=created.name))
    assert [w.id for w in found.workspaces] == [ws] and found.total_count == 1

    new_name = unique_name("ws")
    updated = client.update_workspace(m.UpdateWorkspaceRequest(
        workspace_id=ws, body=m.UpdateWorkspaceReq(name=new_name, description="renamed")))
    assert updated.workspace_id == ws
    assert client.show_workspace(m.ShowWorkspaceRequest(workspace_id=ws)).name == new_name

    deleted = client.delete_workspace(m.DeleteWorkspaceRequest(workspace_id=ws))
    assert deleted.workspace_id == ws
    e = expect_client_error(lambda: client.show_workspace(m.ShowWorkspaceRequest(workspace_id=ws)),
                            400, "ModelArts.7005")
    assert e.error_msg == f"workspace:{ws} not existed"


def test_workspace_rules(client, cleanup):
    for name in ("abc", "default", "bad name!"):
        expect_client_error(lambda: client.create_workspace(m.CreateWorkspaceRequest(
            body=m.CreateWorkspaceReq(name=name))), 400, "ModelArts.50004000")
    ws = create_workspace(client)
    cleanup[2].append(ws.id)
    expect_client_error(lambda: client.create_workspace(m.CreateWorkspaceRequest(
        body=m.CreateWorkspaceReq(name=ws.name))), 400, "ModelArts.50004000")
    expect_client_error(lambda: client.delete_workspace(m.DeleteWorkspaceRequest(workspace_id="0")),
                        400, "ModelArts.50004000")


def test_unknown_workspaces_are_refused(server, client, make_pool):
    expect_client_error(lambda: client.list_pools(m.ListPoolsRequest(workspace_id=NOPE_WORKSPACE)),
                        400, "ModelArts.7005")
    expect_client_error(
        lambda: client.show_pool_statistics(m.ShowPoolStatisticsRequest(workspace_id=NOPE_WORKSPACE)),
        400, "ModelArts.7005")
    body = pool_body(unique_name())
    body.metadata.labels.os_modelarts_workspace_id = NOPE_WORKSPACE
    expect_client_error(lambda: client.create_pool(m.CreatePoolRequest(body=body)),
                        400, "ModelArts.7005")
    # The SDK's patch model has no labels: a signed request moves the pool.
    pool = make_pool()
    r = signed_request(server, "PATCH", f"/v2/{PROJECT_ID}/pools/{pool.metadata.name}",
                       body={"metadata": {"labels": {"os.modelarts/workspace.id": NOPE_WORKSPACE}}})
    assert r.status_code == 400, r.text
    assert r.json()["error_code"] == "ModelArts.7005"


def test_pools_in_a_workspace(client, cleanup):
    ws = create_workspace(client).id
    cleanup[2].append(ws)
    body = pool_body(unique_name())
    body.metadata.labels.os_modelarts_workspace_id = ws
    pool = client.create_pool(m.CreatePoolRequest(body=body)).metadata.name
    cleanup[0].append(pool)
    listed = client.list_pools(m.ListPoolsRequest(workspace_id=ws))
    assert [p.metadata.name for p in listed.items] == [pool]
    expect_client_error(lambda: client.delete_workspace(m.DeleteWorkspaceRequest(workspace_id=ws)),
                        400, "ModelArts.50004000")
    client.delete_pool(m.DeletePoolRequest(pool_name=pool))
    assert client.delete_workspace(m.DeleteWorkspaceRequest(workspace_id=ws)).workspace_id == ws


# ------------------------------------------------------------------ statistics

def test_pool_statistics(client, cleanup):
    ws = create_workspace(client).id
    cleanup[2].append(ws)
    empty = client.show_pool_statistics(m.ShowPoolStatisticsRequest(workspace_id=ws))
    assert raw(empty)["statistics"]["status"] == {
        "created": 0, "creating": 0, "failed": 0, "pending": 0, "deleting": 0}
    assert GO_TIME.match(empty.operation_time), empty.operation_time
    for _ in range(2):
        body = pool_body(unique_name())
        body.metadata.labels.os_modelarts_workspace_id = ws
        cleanup[0].append(client.create_pool(m.CreatePoolRequest(body=body)).metadata.name)
    prepaid = pool_body(unique_name(), billing_mode="1")
    prepaid.metadata.labels.os_modelarts_workspace_id = ws
    cleanup[0].append(client.create_pool(m.CreatePoolRequest(body=prepaid)).metadata.name)
    stats = client.show_pool_statistics(m.ShowPoolStatisticsRequest(workspace_id=ws))
    assert (stats.statistics.status.created, stats.statistics.status.pending,
            stats.statistics.status.creating, stats.statistics.status.failed) == (2, 1, 0, 0)
    # The default workspace when none is named.
    default = client.show_pool_statistics(m.ShowPoolStatisticsRequest())
    assert raw(default)["statistics"]["status"]["created"] >= 0


# ------------------------------------------------------------------ tags

def tags_of(resp):
    return {t.key: t.values for t in resp.tags}


def test_pool_tags(client, make_pool):
    a = make_pool().metadata.name
    b = make_pool().metadata.name
    key = unique_name("k")
    assert client.show_pool_tags(m.ShowPoolTagsRequest(pool_name=a)).tags == []
    resp = client.batch_create_pool_tags(m.BatchCreatePoolTagsRequest(
        pool_name=a, body=m.CreateTagRequest(tags=[m.Tag(key=key, value="dev"),
                                                   m.Tag(key=key + "-team", value="ml")])))
    assert tags_of(resp) == {key: ["dev"], key + "-team": ["ml"]}
    # The same key overwrites its value.
    client.batch_create_pool_tags(m.BatchCreatePoolTagsRequest(
        pool_name=a, body=m.CreateTagRequest(tags=[m.Tag(key=key, value="prod")])))
    client.batch_create_pool_tags(m.BatchCreatePoolTagsRequest(
        pool_name=b, body=m.CreateTagRequest(tags=[m.Tag(key=key, value="dev")])))
    shown = client.show_pool_tags(m.ShowPoolTagsRequest(pool_name=a))
    assert shown.status_code == 200
    assert tags_of(shown) == {key: ["prod"], key + "-team": ["ml"]}

    every = tags_of(client.list_pool_tags(m.ListPoolTagsRequest()))
    assert every[key] == ["dev", "prod"] and every[key + "-team"] == ["ml"]
    one = client.list_pool_tags(m.ListPoolTagsRequest(limit=1, offset=0))
    assert len(one.tags) == 1

    left = client.batch_delete_pool_tags(m.BatchDeletePoolTagsRequest(
        pool_name=a, body=m.DeleteTagRequest(tags=[m.DeleteTagItem(key=key + "-team")])))
    assert left.status_code == 200
    assert tags_of(left) == {key: ["prod"]}
    left = client.batch_delete_pool_tags(m.BatchDeletePoolTagsRequest(
        pool_name=a, body=m.DeleteTagRequest(tags=[m.DeleteTagItem(key=key, value="other")])))
    assert tags_of(left) == {key: ["prod"]}, "a value that does not match keeps the tag"

    missing = f"pool-missing-{PROJECT_ID}"
    expect_client_error(lambda: client.show_pool_tags(m.ShowPoolTagsRequest(pool_name=missing)),
                        404, "ModelArts.50015001")
    expect_client_error(lambda: client.batch_create_pool_tags(m.BatchCreatePoolTagsRequest(
        pool_name=a, body=m.CreateTagRequest(tags=[m.Tag(key="", value="x")]))),
        400, "ModelArts.50004000")


# ------------------------------------------------------------------ monitor

def test_pool_monitor(client, make_pool):
    name = make_pool().metadata.name
    resp = client.show_pool_monitor(m.ShowPoolMonitorRequest(
        pool_name=name, time_range="-1.-1.60", statistics="maximum", period="60"))
    metrics = {x.metric.metric_name: x for x in resp.metrics}
    assert set(metrics) == {"cpuUsage", "memUsedRate"}
    cpu = metrics["cpuUsage"]
    assert cpu.metric.dimensions[0].name == "clusterId"
    assert 60 <= len(cpu.data_points) <= 61
    point = cpu.data_points[-1]
    assert isinstance(point.timestamp, int) and point.unit == "Percent"
    assert point.statistics[0].statistic == "maximum"
    assert point.statistics[0].value == -1 or 0 <= point.statistics[0].value <= 100
    # Defaults: the last hour at one point a minute.
    default = client.show_pool_monitor(m.ShowPoolMonitorRequest(pool_name=name))
    assert len(default.metrics[0].data_points) in (60, 61)

    for bad in (dict(period="61"), dict(statistics="median"), dict(time_range="1.2"),
                dict(time_range="-1.-1.2000")):
        expect_client_error(lambda: client.show_pool_monitor(
            m.ShowPoolMonitorRequest(pool_name=name, **bad)), 400, "ModelArts.50004000")
    expect_client_error(lambda: client.show_pool_monitor(
        m.ShowPoolMonitorRequest(pool_name=f"pool-missing-{PROJECT_ID}")), 404, "ModelArts.50015001")
