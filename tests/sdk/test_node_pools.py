"""Node pools through the official SDK, unchanged, on the manual clock (the
server of test_lifecycle.py, one per module): all six calls, and scaling
through a node pool seen in its pool.
"""
from huaweicloudsdkmodelarts.v1 import model as m

from test_lifecycle import (  # noqa: F401  (fixtures)
    FLAVOR, NODE_CREATE, NODE_DELETE, client, create, expect_error, nodes, server, show,
)

DEFAULT_NP = FLAVOR + "-default"


def running_pool(server, client, count=1):
    name, _ = create(client, count=count)
    server.advance(NODE_CREATE)
    return name


def node_pool_body(name, count):
    return m.CreateNodePoolRequestBody(
        api_version="v2", kind="NodePool",
        metadata=m.CreateNodePoolMetaVO(name=name),
        spec=m.NodePoolSpec(resources=m.PoolResource(
            flavor=FLAVOR, count=count, node_pool=name,
            labels={"team": "nlp"},
            taints=[m.Taints(key="dedicated", value="nlp", effect="NoSchedule")],
            tags=[m.UserTags(key="owner", value="nlp")])))


def test_list_create_show_patch_and_delete_a_node_pool(server, client):
    pool = running_pool(server, client)
    listed = client.list_node_pools(m.ListNodePoolsRequest(pool_name=pool))
    assert listed.kind == "NodePoolList"
    assert [np.metadata.name for np in listed.items] == [DEFAULT_NP]
    assert listed.items[0].status.resources.available.count == 1

    created = client.create_node_pool(m.CreateNodePoolRequest(
        pool_name=pool, body=node_pool_body("nlp", 2)))
    assert created.metadata.name == "nlp"
    assert created.spec.resources.count == 2
    shown = client.show_node_pool(m.ShowNodePoolRequest(pool_name=pool, nodepool_name="nlp"))
    assert shown.status.resources.creating.count == 2
    assert shown.spec.resources.taints[0].effect == "NoSchedule"

    server.advance(NODE_CREATE)
    np_nodes = client.list_node_pool_nodes(m.ListNodePoolNodesRequest(
        pool_name=pool, nodepool_name="nlp", limit="1"))
    assert len(np_nodes.items) == 1 and np_nodes.metadata._continue
    rest = client.list_node_pool_nodes(m.ListNodePoolNodesRequest(
        pool_name=pool, nodepool_name="nlp", _continue=np_nodes.metadata._continue))
    assert len(rest.items) == 1
    for n in np_nodes.items + rest.items:
        assert n.metadata.labels.os_modelarts_node_nodepool == "nlp"
        assert n.metadata.labels.os_modelarts_node_nodepoolname == "nlp"
        assert n.status.phase == "Available"
    assert len(nodes(client, pool).items) == 3

    patched = client.patch_node_pool(m.PatchNodePoolRequest(
        pool_name=pool, nodepool_name="nlp",
        body=m.PatchNodePoolRequestBody(spec=m.NodePoolSpec(
            resources=m.PoolResource(flavor=FLAVOR, count=1)))))
    assert patched.spec.resources.count == 1
    _, raw = show(client, pool)
    assert [(r["nodePool"], r["count"]) for r in raw["spec"]["resources"]] == [
        (DEFAULT_NP, 1), ("nlp", 1)]

    deleted = client.delete_node_pool(m.DeleteNodePoolRequest(pool_name=pool, nodepool_name="nlp"))
    assert deleted.metadata.name == "nlp"
    server.advance(NODE_DELETE)
    listed = client.list_node_pools(m.ListNodePoolsRequest(pool_name=pool))
    assert [np.metadata.name for np in listed.items] == [DEFAULT_NP]
    assert len(nodes(client, pool).items) == 1


def test_node_pool_refusals(server, client):
    pool = running_pool(server, client)
    expect_error(lambda: client.create_node_pool(m.CreateNodePoolRequest(
        pool_name=pool, body=node_pool_body("bad-default", 1))), 400, "ModelArts.50004000")
    expect_error(lambda: client.show_node_pool(m.ShowNodePoolRequest(
        pool_name=pool, nodepool_name="missing")), 404, "ModelArts.50015001")
    expect_error(lambda: client.delete_node_pool(m.DeleteNodePoolRequest(
        pool_name=pool, nodepool_name=DEFAULT_NP)), 400, "ModelArts.50004000")
