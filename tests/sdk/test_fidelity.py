"""Where respool fails as the cloud fails and says what the cloud says,
through the official SDK, unchanged, on the manual clock (the server of
test_lifecycle.py): controlMode, specs sent back reordered, and orders
that partly succeed (the list of orders, which says `partialSuccessed`, is
not in the SDK; the HTTP tests read it).
"""
import json

from huaweicloudsdkmodelarts.v1 import model as m

from test_lifecycle import (  # noqa: F401  (fixtures)
    FLAVOR, NODE_CREATE, client, create, expect_error, scale, server, show,
)


def patch(client, name, body):
    # A plain dict body goes out as it is: the SDK's update model has no controlMode.
    return client.patch_pool(m.PatchPoolRequest(pool_name=name, body=body))


def test_a_frozen_pool_refuses_scaling_until_thawed(server, client):
    name, _ = create(client, count=1)
    server.advance(NODE_CREATE)
    _, raw = show(client, name)
    assert raw["spec"]["controlMode"] == 0
    patch(client, name, {"spec": {"controlMode": 8}})
    expect_error(lambda: scale(client, name, 2), 400, "ModelArts.50004000")
    patch(client, name, {"spec": {"controlMode": 0}})
    assert scale(client, name, 2).spec.resources[0].count == 2


def test_the_same_spec_in_another_order_is_no_change(server, client):
    name, _ = create(client, count=1)
    # Still Creating: a change is refused, the same job types reordered are not.
    body = m.PoolUpdateRequest(spec=m.PoolSpecUpdate(scope=["Train"]))
    assert client.patch_pool(m.PatchPoolRequest(pool_name=name, body=body)).spec.scope == ["Train"]
    body = m.PoolUpdateRequest(spec=m.PoolSpecUpdate(scope=["Train", "Infer"]))
    expect_error(lambda: client.patch_pool(m.PatchPoolRequest(pool_name=name, body=body)),
                 400, "ModelArts.50004000")


def test_an_order_whose_nodes_partly_fail_is_partial_successed(server, client):
    name, display = create(client, count=3)
    fault = server.add_fault(f"os.modelarts/name={display}", "nodes-fail", count=1)
    try:
        server.advance(NODE_CREATE)
        resp, raw = show(client, name)
        assert resp.status.phase == "Running"
        order = client.show_order(m.ShowOrderRequest(
            order_name=raw["metadata"]["labels"]["os.modelarts/order.name"]))
        # The SDK reads the order's items: one node failed, the rest succeeded.
        items = json.loads(order.raw_content)["items"]
        assert sorted(i["status"] for i in items) == ["failed", "succeed", "succeed", "succeed"]
        failed = next(i for i in items if i["status"] == "failed")
        assert "could not be provisioned" in failed["message"]
        assert len(raw["spec"]["resources"]) == 1 and raw["spec"]["resources"][0]["count"] == 2
    finally:
        server.remove_fault(fault)
