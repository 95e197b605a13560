"""The billing conversion order (`create_order_id`, `actionType=toPeriod`)
through the official SDK, unchanged, on the manual clock (the server of
test_lifecycle.py), paid through the admin API.
"""
from huaweicloudsdkmodelarts.v1 import model as m

from test_lifecycle import (  # noqa: F401  (fixtures)
    NODE_CREATE, PROJECT_ID, client, create, expect_error, server, show,
)


def billing_mode(client, name):
    _, raw = show(client, name)
    return raw["metadata"]["annotations"]["os.modelarts/billing.mode"]


def test_create_order_id_to_period_then_pay(server, client):
    name, _ = create(client, count=1)
    server.advance(NODE_CREATE)
    r = client.create_order_id(m.CreateOrderIdRequest(
        name=name, action_type="toPeriod", workspace_id="0",
        body=m.CreateOrderRequestBody(action_type="toPeriod")))
    assert r.id.startswith("CS")
    assert billing_mode(client, name) == "0"
    paid = server.admin("POST", f"/_respool/pools/{PROJECT_ID}/{name}/pay")
    assert paid.status_code == 200, paid.text
    assert billing_mode(client, name) == "1"
    expect_error(lambda: client.create_order_id(m.CreateOrderIdRequest(
        name=name, action_type="toPeriod")), 400, "ModelArts.50004000")
    expect_error(lambda: client.create_order_id(m.CreateOrderIdRequest(
        name=name, action_type="toDemand")), 400, "ModelArts.50004000")
