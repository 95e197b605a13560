"""Orders and events through the official Python SDK (huaweicloudsdkmodelarts 3.1.219).

The SDK has `show_order` (GET /v1/{project_id}/orders/{order_name}) and
`list_events` (GET /v1/{project_id}/events) but no call for the order list
(GET /v1/{project_id}/orders, which the Terraform provider polls): that one
goes through `requests` with an IAM token from /v3/auth/tokens.
"""
import json
import time

from harness import FLAVOR, expect_client_error, m, pool_body, unique_name, wait_for

ORDER_FIELDS = {
    "creationTimestamp", "beginTimestamp", "endTimestamp", "orderName", "orderId",
    "resourceName", "resourceDisplayName", "workspaceId", "initCount", "specCount",
    "resultCount", "operation", "phase",
}


def list_orders(server, token, **query):
    r = server.http.get(server.url(f"/v1/{server.project_id}/orders"), params=query,
                        headers={"X-Auth-Token": token}, timeout=10)
    assert r.status_code == 200, (r.status_code, r.text)
    return r.json()


def order_name(resp):
    name = resp.metadata.labels.os_modelarts_order_name
    assert name, "os.modelarts/order.name missing"
    return name


def scale(client, name, count):
    body = m.PoolUpdateRequest(spec=m.PoolSpecUpdate(
        resources=[m.PoolSpecUpdateResources(flavor=FLAVOR, count=count)]))
    return client.patch_pool(m.PatchPoolRequest(pool_name=name, body=body))


def test_create_names_an_order_that_show_order_details(client, make_pool):
    display = unique_name("ord")
    resp = make_pool(display)
    order = order_name(resp)
    assert order.startswith(f"order.{display}-") and len(order) == len(display) + 12
    shown = client.show_order(m.ShowOrderRequest(order_name=order))
    assert shown.status_code == 200
    assert shown.count == len(shown.items) == 2
    pool_item, node_item = shown.items
    assert (pool_item.action, pool_item.resource_name) == ("createPool", resp.metadata.name)
    assert node_item.action == "createNode"
    assert node_item.resource_name.startswith("os-node-created-")
    # Immediate timing: everything is done before the answer.
    assert {i.status for i in shown.items} == {"succeed"}
    for item in shown.items:
        assert int(item.begin_timestamp) <= int(item.update_timestamp)


def test_the_order_list_the_terraform_provider_polls(server, client, make_pool):
    token = server.token()
    resp = make_pool()
    name, display = resp.metadata.name, resp.metadata.labels.os_modelarts_name
    created = order_name(resp)
    scaled = order_name(scale(client, name, 2))
    assert scaled != created
    since = int(time.time() * 1000) - 3_600_000
    body = list_orders(server, token, limit=500, involvedName=name, since=since, offset=0)
    assert body["count"] == 2
    assert [o["orderName"] for o in body["items"]] == [scaled, created], "newest first"
    for o in body["items"]:
        assert ORDER_FIELDS <= set(o), sorted(o)
        assert o["phase"] == "successed"
        assert o["resourceName"] == name and o["resourceDisplayName"] == display
        assert o["orderId"].startswith("CS") and len(o["orderId"]) == 17
    modify, apply = body["items"]
    assert (modify["operation"], apply["operation"]) == ("modify", "apply")
    assert modify["initCount"] == [{"flavor": FLAVOR, "count": 1}]
    assert modify["specCount"] == [{"flavor": FLAVOR, "count": 2}]
    assert modify["resultCount"][0]["count"] == 2
    # By display name too, and with filters.
    assert list_orders(server, token, involvedName=display)["count"] == 2
    assert list_orders(server, token, involvedName=display, phase="failed")["count"] == 0
    page = list_orders(server, token, involvedName=name, limit=1, offset=1)
    assert page["count"] == 2 and [o["orderName"] for o in page["items"]] == [created]


def test_list_events_through_the_sdk(client, make_pool):
    resp = make_pool(resources=((FLAVOR, 2),))
    name = resp.metadata.name
    events = client.list_events(m.ListEventsRequest(resource="pools", name=name))
    assert events.status_code == 200
    assert (events.kind, events.api_version) == ("EventList", "v1")
    messages = [e.message for e in events.items]
    assert "Pool status changed, from Creating to Running." in messages
    assert messages[-1].startswith(
        "Pool resources status changed, available/abnormal/creating/deleting count "
        "from 0/0/0/0 to 0/0/2/0, timestamp: ")
    for e in events.items:
        assert (e.kind, e.api_version, e.count) == ("Event", "v1", 1)
        assert e.type in ("Normal", "Warning")
        assert e.reason in ("PoolStatusChange", "PoolResourcesStatusChange")
        assert e.first_timestamp == e.last_timestamp and e.first_timestamp.endswith("Z")
    # Pages of one follow `metadata.continue` to the same list.
    seen, token = [], None
    while True:
        page = client.list_events(m.ListEventsRequest(resource="pools", name=name, limit=1,
                                                      _continue=token))
        seen += [e.message for e in page.items]
        token = page.metadata._continue if page.metadata else None
        if not token:
            break
    assert seen == messages
    normal = client.list_events(m.ListEventsRequest(resource="pools", name=name, type="Warning"))
    assert normal.items == []


def test_orders_move_with_the_clock(fast_server):
    """`fast` timing: a node takes 2 s, so the order is seen processing, then done."""
    client = fast_server.client()
    token = fast_server.token()
    display = unique_name("ordf")
    resp = client.create_pool(m.CreatePoolRequest(body=pool_body(display)))
    name, order = resp.metadata.name, order_name(resp)
    try:
        first = list_orders(fast_server, token, involvedName=name)["items"][0]
        assert (first["orderName"], first["phase"]) == (order, "processing")
        assert first["endTimestamp"] == 0
        done = wait_for(
            lambda: next((o for o in list_orders(fast_server, token, involvedName=name)["items"]
                          if o["phase"] == "successed"), None),
            10, interval=0.2, what="the creation order to succeed")
        assert done["endTimestamp"] >= done["beginTimestamp"] > 0
        deleted = client.delete_pool(m.DeletePoolRequest(pool_name=name))
        delete_order = json.loads(deleted.raw_content)["metadata"]["labels"]["os.modelarts/order.name"]
        assert delete_order != order
        wait_for(lambda: list_orders(fast_server, token, involvedName=name)["items"][0]["phase"]
                 == "successed", 10, interval=0.2, what="the delete order to succeed")
        # The pool is gone; its events are not.
        events = client.list_events(m.ListEventsRequest(resource="pools", name=name))
        assert "Pool status changed, from Running to Deleting." in [e.message for e in events.items]
    finally:
        try:
            client.delete_pool(m.DeletePoolRequest(pool_name=name))
        except Exception:
            pass


def test_missing_orders_and_pools_are_404(client):
    expect_client_error(lambda: client.show_order(m.ShowOrderRequest(order_name="order.nope-abcde")),
                        404, "ModelArts.50015001")
    e = expect_client_error(
        lambda: client.list_events(m.ListEventsRequest(resource="pools", name="nope-missing-pool")),
        404, "ModelArts.50015001")
    assert e.error_msg == 'pool "nope-missing-pool" not found'
    expect_client_error(lambda: client.list_events(m.ListEventsRequest(resource="jobs", name="x")),
                        400, "ModelArts.50004000")


def test_list_events_without_resource_or_name_lists_the_projects(client, make_pool):
    # The SDK marks both optional; the project's events answer.
    name = make_pool().metadata.name
    everything = client.list_events(m.ListEventsRequest())
    assert everything.kind == "EventList"
    own = client.list_events(m.ListEventsRequest(resource="pools", name=name))
    key = lambda e: (e.first_timestamp, e.message)  # noqa: E731
    assert own.items and {key(e) for e in own.items} <= {key(e) for e in everything.items}
