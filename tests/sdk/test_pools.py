"""Pool API through the official SDK (issue "pool API").

list (every filter), create, show, patch, delete, the documented errors, the
shape of the seed example, and the creating -> created transition under the
`fast` timing profile.
"""
import re

import pytest

from harness import (FLAVOR, FLAVOR2, PROJECT_ID, expect_client_error, m, pool_body,
                     signed_request, unique_name, wait_for)

RFC3339_SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def raw(resp):
    """The JSON the server actually sent (the SDK drops fields it models differently)."""
    body = resp.to_json_object()
    assert isinstance(body, dict), resp.raw_content
    return body


def list_raw(client, **filters):
    return raw(client.list_pools(m.ListPoolsRequest(**filters)))


def listed_names(client, **filters):
    return [p["metadata"]["name"] for p in list_raw(client, **filters)["items"]]


def show_raw(client, name):
    return raw(client.show_pool(m.ShowPoolRequest(pool_name=name)))


def patch(client, name, annotations=None, scope=None, resources=None):
    meta = None
    if annotations is not None:
        meta = m.PoolMetadataUpdate(annotations=m.PoolMetadataUpdateAnnotations(**annotations))
    spec = None
    if scope is not None or resources is not None:
        spec = m.PoolSpecUpdate(
            scope=scope,
            resources=None if resources is None else
            [m.PoolSpecUpdateResources(flavor=f, count=c) for f, c in resources])
    return client.patch_pool(m.PatchPoolRequest(pool_name=name,
                                                body=m.PoolUpdateRequest(metadata=meta, spec=spec)))


def available_count(pool_json):
    buckets = pool_json.get("status", {}).get("resources", {})
    avail = buckets.get("available", [])
    assert isinstance(avail, list), f"status.resources.available must be an array: {avail!r}"
    return sum(r["count"] for r in avail)


# --------------------------------------------------------------------------- create / show

def test_create_answers_generated_name_and_no_phase(client, make_pool):
    display = unique_name("crt")
    resp = make_pool(display, scope=("Train", "Infer"), resources=((FLAVOR, 2),))
    assert resp.status_code == 200
    assert resp.metadata.name == f"{display}-{PROJECT_ID}"
    body = raw(resp)
    assert body["apiVersion"] == "v2" and body["kind"] == "Pool"
    labels = body["metadata"]["labels"]
    assert labels["os.modelarts/name"] == display
    assert labels["os.modelarts/workspace.id"] == "0"
    assert labels["os.modelarts/tenant.project.id"] == PROJECT_ID
    assert RFC3339_SECONDS.match(body["metadata"]["creationTimestamp"])
    assert body["spec"]["type"] == "Dedicate"
    assert body["spec"]["scope"] == ["Train", "Infer"]
    assert body["spec"]["resources"][0]["flavor"] == FLAVOR
    assert body["spec"]["resources"][0]["count"] == 2
    assert body["spec"]["network"] == {"name": "net-sdk"}
    # Like the live service: creation is asynchronous, no phase yet.
    assert body["status"] == {"resources": {}}


def test_show_pool_returns_the_running_pool(client, make_pool):
    display = unique_name("shw")
    name = make_pool(display, scope=("Train", "Infer"), resources=((FLAVOR, 2),)).metadata.name
    resp = client.show_pool(m.ShowPoolRequest(pool_name=name))
    # typed view
    assert resp.metadata.name == name
    assert resp.metadata.labels.os_modelarts_name == display
    assert resp.spec.type == "Dedicate"
    assert resp.spec.resources[0].flavor == FLAVOR and resp.spec.resources[0].count == 2
    assert resp.status.phase == "Running"
    assert [(s.scope_type, s.state) for s in resp.status.scope] == [("Train", "Enabled"),
                                                                    ("Infer", "Enabled")]
    # wire view: status.resources buckets are arrays
    body = raw(resp)
    assert body["status"]["root"] == name
    assert available_count(body) == 2


# --------------------------------------------------------------------------- list filters

@pytest.fixture(scope="module")
def trio(server):
    """Three pools created in order: a (node prefix), b (no prefix), c (node prefix)."""
    client = server.client()
    tag = unique_name("s")[2:]
    displays = {"a": f"sela-{tag}", "b": f"selb-{tag}", "c": f"selc-{tag}"}
    prefixes = {"a": "npa", "b": None, "c": "npc"}
    names = {}
    for key in "abc":
        resp = client.create_pool(m.CreatePoolRequest(
            body=pool_body(displays[key], node_prefix=prefixes[key])))
        names[key] = resp.metadata.name
    yield {"client": client, "display": displays, "name": names}
    for name in names.values():
        try:
            client.delete_pool(m.DeletePoolRequest(pool_name=name))
        except Exception:
            pass


def test_list_shape_and_creation_order(trio):
    body = list_raw(trio["client"])
    assert body["apiVersion"] == "v2" and body["kind"] == "PoolList"
    assert all(i["kind"] == "Pool" and i["apiVersion"] == "v2" for i in body["items"])
    names = [i["metadata"]["name"] for i in body["items"]]
    mine = [n for n in names if n in trio["name"].values()]
    assert mine == [trio["name"][k] for k in "abc"]


def test_list_workspace_filter(trio):
    client = trio["client"]
    mine = set(trio["name"].values())
    assert mine <= set(listed_names(client))  # default workspace "0"
    assert mine <= set(listed_names(client, workspace_id="0"))
    # Another workspace must exist to be listed (an unknown one is a 400 ModelArts.7005).
    ws = client.create_workspace(m.CreateWorkspaceRequest(
        body=m.CreateWorkspaceReq(name=unique_name("ws")))).id
    try:
        other = list_raw(client, workspace_id=ws)["items"]
        assert not mine & {i["metadata"]["name"] for i in other}
        assert all(i["metadata"]["labels"]["os.modelarts/workspace.id"] == ws for i in other)
    finally:
        client.delete_workspace(m.DeleteWorkspaceRequest(workspace_id=ws))


NAME = "os.modelarts/name"
PREFIX = "os.modelarts/node.prefix"

SELECTORS = [
    # (id, selector template, expected subset of a/b/c, predicate on labels)
    ("equals", "{NAME}={a}", "a", lambda l, d: l.get(NAME) == d["a"]),
    ("double-equals", "{NAME}=={b}", "b", lambda l, d: l.get(NAME) == d["b"]),
    ("not-equals", "{NAME}!={a}", "bc", lambda l, d: l.get(NAME) != d["a"]),
    ("in", "{NAME} in ({a},{c})", "ac", lambda l, d: l.get(NAME) in (d["a"], d["c"])),
    ("notin", "{NAME} notin ({a},{c})", "b", lambda l, d: l.get(NAME) not in (d["a"], d["c"])),
    ("exists", "{PREFIX}", "ac", lambda l, d: PREFIX in l),
    ("not-exists", "!{PREFIX}", "b", lambda l, d: PREFIX not in l),
    ("value-of-other-label", "{PREFIX}=npc", "c", lambda l, d: l.get(PREFIX) == "npc"),
    ("and", "{PREFIX},{NAME}!={a}", "c", lambda l, d: PREFIX in l and l.get(NAME) != d["a"]),
]


@pytest.mark.parametrize("template,expected,pred", [s[1:] for s in SELECTORS],
                         ids=[s[0] for s in SELECTORS])
def test_list_label_selector(trio, template, expected, pred):
    d = trio["display"]
    selector = template.format(NAME=NAME, PREFIX=PREFIX, **d)
    items = list_raw(trio["client"], label_selector=selector)["items"]
    got = {i["metadata"]["name"] for i in items}
    mine = {trio["name"][k] for k in expected}
    others = set(trio["name"].values()) - mine
    assert mine <= got, f"{selector!r} misses {mine - got}"
    assert not others & got, f"{selector!r} wrongly matches {others & got}"
    for item in items:
        assert pred(item["metadata"]["labels"], d), f"{selector!r} matched {item['metadata']}"


def test_list_status_filters_immediate(trio):
    client = trio["client"]
    mine = set(trio["name"].values())
    created = list_raw(client, status="created")["items"]
    assert mine <= {i["metadata"]["name"] for i in created}
    assert all(i["status"]["phase"] != "Creating" for i in created)
    creating = list_raw(client, status="creating")["items"]
    assert not mine & {i["metadata"]["name"] for i in creating}
    assert all(i["status"]["phase"] == "Creating" for i in creating)
    failed = list_raw(client, status="failed")["items"]
    assert not mine & {i["metadata"]["name"] for i in failed}
    assert all(i["status"]["phase"] == "CreationFailed" for i in failed)
    # empty status = every valid pool (the SDK sends `status=`)
    assert mine <= set(listed_names(client, status=""))


def test_list_status_filter_combines_with_label_selector(trio):
    names = listed_names(trio["client"], status="created",
                         label_selector=f"{NAME}={trio['display']['b']}")
    assert names == [trio["name"]["b"]]


def test_list_invalid_label_selector_is_400(client):
    e = expect_client_error(
        lambda: client.list_pools(m.ListPoolsRequest(label_selector="os.modelarts/name in (a")),
        400, "ModelArts.50004000")
    assert "labelSelector" in e.error_msg


def test_list_unknown_status_is_400(client):
    e = expect_client_error(lambda: client.list_pools(m.ListPoolsRequest(status="running")),
                            400, "ModelArts.50004000")
    assert "running" in e.error_msg


# --------------------------------------------------------------------------- patch

def test_patch_description(client, make_pool):
    display = unique_name("pdesc")
    name = make_pool(display, scope=("Train",), description="before").metadata.name
    resp = patch(client, name, annotations={"os_modelarts_description": "after the patch"})
    assert resp.status_code == 200
    assert resp.metadata.annotations.os_modelarts_description == "after the patch"
    shown = show_raw(client, name)
    assert shown["metadata"]["annotations"]["os.modelarts/description"] == "after the patch"
    # a merge patch leaves everything else alone
    assert shown["metadata"]["labels"]["os.modelarts/name"] == display
    assert shown["spec"]["scope"] == ["Train"]
    assert [(r["flavor"], r["count"]) for r in shown["spec"]["resources"]] == [(FLAVOR, 1)]
    assert shown["spec"]["network"]["name"] == "net-sdk"


def test_patch_scales_count(client, make_pool):
    name = make_pool(resources=((FLAVOR, 1),)).metadata.name
    resp = patch(client, name, resources=[(FLAVOR, 3)])
    assert [(r.flavor, r.count) for r in resp.spec.resources] == [(FLAVOR, 3)]
    assert [(r.flavor, r.count) for r in
            client.show_pool(m.ShowPoolRequest(pool_name=name)).spec.resources] == [(FLAVOR, 3)]
    wait_for(lambda: available_count(show_raw(client, name)) == 3, 5,
             what="3 available nodes after scaling out")


def test_patch_replaces_arrays_whole(client, make_pool):
    name = make_pool(scope=("Train", "Infer"),
                     resources=((FLAVOR, 1), (FLAVOR2, 1))).metadata.name
    resp = patch(client, name, scope=["Infer"], resources=[(FLAVOR2, 2)])
    body = raw(resp)
    assert body["spec"]["scope"] == ["Infer"]
    assert [(r["flavor"], r["count"]) for r in body["spec"]["resources"]] == [(FLAVOR2, 2)]
    shown = show_raw(client, name)
    assert shown["spec"]["scope"] == ["Infer"]
    assert [(r["flavor"], r["count"]) for r in shown["spec"]["resources"]] == [(FLAVOR2, 2)]
    assert shown["spec"]["type"] == "Dedicate"
    assert shown["spec"]["network"]["name"] == "net-sdk"


@pytest.mark.parametrize("spec", [{"type": "Logical"}, {"network": {"name": "net-other"}}],
                         ids=["type", "network"])
def test_patch_immutable_field_is_400(server, client, make_pool, spec):
    # PoolSpecUpdate has no type/network, so send the merge patch signed by the SDK's Signer.
    name = make_pool().metadata.name
    r = signed_request(server, "PATCH", f"/v2/{PROJECT_ID}/pools/{name}", body={"spec": spec})
    assert r.status_code == 400, r.text
    assert r.json()["error_code"] == "ModelArts.50004000"
    assert r.headers.get("X-Request-Id")
    shown = show_raw(client, name)
    assert shown["spec"]["type"] == "Dedicate"
    assert shown["spec"]["network"]["name"] == "net-sdk"


# --------------------------------------------------------------------------- delete / errors

def test_delete_then_404(client, make_pool):
    display = unique_name("del")
    name = make_pool(display).metadata.name
    resp = client.delete_pool(m.DeletePoolRequest(pool_name=name))
    assert resp.status_code == 200
    assert resp.metadata.name == name
    assert resp.metadata.deletion_timestamp
    assert RFC3339_SECONDS.match(raw(resp)["metadata"]["deletionTimestamp"])
    # `immediate`: gone at once
    e = expect_client_error(lambda: client.show_pool(m.ShowPoolRequest(pool_name=name)),
                            404, "ModelArts.50015001")
    assert e.error_msg == f'pool "{name}" not found'
    assert name not in listed_names(client)
    assert listed_names(client, label_selector=f"{NAME}={display}") == []
    # the name is free again
    again = make_pool(display)
    assert again.metadata.name == name
    assert client.show_pool(m.ShowPoolRequest(pool_name=name)).metadata.name == name


@pytest.mark.parametrize("op", ["show", "patch", "delete"])
def test_missing_pool_is_404(client, op):
    name = f"{unique_name('nope')}-{PROJECT_ID}"
    calls = {
        "show": lambda: client.show_pool(m.ShowPoolRequest(pool_name=name)),
        "patch": lambda: patch(client, name, annotations={"os_modelarts_description": "x"}),
        "delete": lambda: client.delete_pool(m.DeletePoolRequest(pool_name=name)),
    }
    e = expect_client_error(calls[op], 404, "ModelArts.50015001")
    assert e.error_msg == f'pool "{name}" not found'


def test_duplicate_create_is_409(client, make_pool):
    display = unique_name("dup")
    first = make_pool(display)
    e = expect_client_error(lambda: client.create_pool(m.CreatePoolRequest(body=pool_body(display))),
                            409, "ModelArts.50015000")
    assert e.error_msg == "Pool already exists."
    assert listed_names(client, label_selector=f"{NAME}={display}") == [first.metadata.name]


def test_request_ids_differ_between_errors(client):
    ids = {expect_client_error(lambda: client.show_pool(m.ShowPoolRequest(pool_name="zz-missing")),
                               404, "ModelArts.50015001").request_id for _ in range(3)}
    assert len(ids) == 3


# --------------------------------------------------------------------------- seed example

# The example response of "Obtaining Resource Pools" (HW API reference; copied from
# /work/shared/seed/obtaining-resource-pools.txt), items[0].
SEED_ITEM = {
    "kind": "Pool", "apiVersion": "v2",
    "metadata": {
        "name": "auto-pool-os-86c13962597848eeb29c5861153a391f",
        "creationTimestamp": "2022-09-16T03:10:40Z",
        "labels": {"os.modelarts/name": "auto-pool-os", "os.modelarts/workspace.id": "0",
                   "os.modelarts/resource.id": "maos-auto-pool-os-72w8d"},
        "annotations": {"os.modelarts/description": "", "os.modelarts/billing.mode": "0"},
    },
    "spec": {"type": "Dedicate", "scope": ["Train", "Infer"],
             "resources": [{"flavor": "modelarts.vm.cpu.4ud", "count": 2}],
             "network": {"name": "network-maos-86c13962597848eeb29c5861153a391f"}},
    "status": {
        "phase": "Running", "root": "auto-pool-os-86c13962597848eeb29c5861153a391f",
        "scope": [{"scopeType": "Train", "state": "Enabled"},
                  {"scopeType": "Infer", "state": "Enabled"}],
        "resources": {"available": [{"flavor": "modelarts.vm.cpu.4ud", "count": 2,
                                     "azs": [{"az": "cn-north-7c", "count": 2}]}]},
    },
}

# Generated values: present, but not equal to the seed's.
GENERATED = {
    ("metadata", "name"),
    ("metadata", "creationTimestamp"),
    ("metadata", "labels", "os.modelarts/resource.id"),
    ("spec", "network", "name"),
    ("status", "root"),
    ("status", "resources", "available", 0, "azs"),
}


def assert_has_seed_shape(expected, actual, path=()):
    if path in GENERATED:
        assert actual, f"{path}: missing or empty"
        return
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: expected an object, got {actual!r}"
        for key, value in expected.items():
            assert key in actual, f"{path}: key {key!r} missing (have {sorted(actual)})"
            assert_has_seed_shape(value, actual[key], path + (key,))
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{path}: expected an array, got {actual!r}"
        assert len(actual) == len(expected), f"{path}: {actual!r} vs {expected!r}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            assert_has_seed_shape(e, a, path + (i,))
    else:
        assert type(actual) is type(expected) and actual == expected, \
            f"{path}: {actual!r} != seed {expected!r}"


def test_seed_example_shape(server, client, make_pool):
    created = make_pool("auto-pool-os", scope=("Train", "Infer"), resources=((FLAVOR, 2),),
                        description="", billing_mode="0", network="net-seed")
    name = created.metadata.name
    body = list_raw(client, label_selector="os.modelarts/name=auto-pool-os")
    assert body["kind"] == "PoolList" and body["apiVersion"] == "v2"
    assert len(body["items"]) == 1
    item = body["items"][0]
    assert_has_seed_shape(SEED_ITEM, item)

    # the generated values have the seed's form
    assert name == item["metadata"]["name"] == f"auto-pool-os-{PROJECT_ID}"
    assert RFC3339_SECONDS.match(item["metadata"]["creationTimestamp"])
    assert re.match(r"^maos-auto-pool-os-[a-z0-9]{5}$",
                    item["metadata"]["labels"]["os.modelarts/resource.id"])
    assert item["status"]["root"] == name
    available = item["status"]["resources"]["available"]
    assert isinstance(available, list) and len(available) == 1
    assert available[0]["flavor"] == FLAVOR and available[0]["count"] == 2
    azs = available[0]["azs"]
    assert isinstance(azs, list) and azs
    assert all(isinstance(a["az"], str) and a["az"] and isinstance(a["count"], int) for a in azs)
    assert sum(a["count"] for a in azs) == 2

    # The SDK models status.resources.available as one object: it shows up empty.
    typed = client.list_pools(m.ListPoolsRequest(label_selector="os.modelarts/name=auto-pool-os"))
    assert typed.items[0].status.resources.available.count is None


# --------------------------------------------------------------------------- fast profile

def test_fast_profile_creating_then_created(fast_server):
    client = fast_server.client()
    display = unique_name("fst")
    sel = f"{NAME}={display}"
    name = client.create_pool(m.CreatePoolRequest(
        body=pool_body(display, resources=((FLAVOR, 2),)))).metadata.name
    try:
        # at first: creating, not created; an empty status lists it too
        assert listed_names(client, status="creating", label_selector=sel) == [name]
        assert listed_names(client, status="created", label_selector=sel) == []
        assert listed_names(client, status="", label_selector=sel) == [name]
        shown = show_raw(client, name)
        assert shown["status"]["phase"] == "Creating"
        creating = shown["status"]["resources"]["creating"]
        assert isinstance(creating, list), creating
        assert [(r["flavor"], r["count"]) for r in creating] == [(FLAVOR, 2)]
        assert available_count(shown) == 0

        # later: created, no longer creating
        wait_for(lambda: listed_names(client, status="created", label_selector=sel) == [name],
                 10, interval=0.1, what="the pool to be listed as created")
        assert listed_names(client, status="creating", label_selector=sel) == []
        shown = show_raw(client, name)
        assert shown["status"]["phase"] == "Running"
        assert available_count(shown) == 2
    finally:
        deleted = client.delete_pool(m.DeletePoolRequest(pool_name=name))
    assert deleted.metadata.deletion_timestamp
    # deletion takes a while under `fast`: the pool is Deleting first, then gone
    assert show_raw(client, name)["status"]["phase"] == "Deleting"

    def gone():
        try:
            client.show_pool(m.ShowPoolRequest(pool_name=name))
            return False
        except Exception as e:  # noqa: BLE001
            return getattr(e, "status_code", None) == 404

    wait_for(gone, 10, interval=0.1, what="the deleted pool to answer 404")


def test_fast_profile_scale_out_keeps_running(fast_server):
    client = fast_server.client()
    display = unique_name("fsc")
    name = client.create_pool(m.CreatePoolRequest(
        body=pool_body(display, resources=((FLAVOR, 2),)))).metadata.name
    try:
        wait_for(lambda: show_raw(client, name)["status"].get("phase") == "Running", 10,
                 interval=0.1, what="the pool to run")
        body = raw(patch(client, name, resources=[(FLAVOR, 3)]))
        # like the S-OTC scale-out example: spec already 3, 1 creating + 2 available, Running
        assert [(r["flavor"], r["count"]) for r in body["spec"]["resources"]] == [(FLAVOR, 3)]
        assert body["status"]["phase"] == "Running"
        buckets = body["status"]["resources"]
        assert [(r["flavor"], r["count"]) for r in buckets["creating"]] == [(FLAVOR, 1)]
        assert [(r["flavor"], r["count"]) for r in buckets["available"]] == [(FLAVOR, 2)]
        assert name in listed_names(client, status="created")
        wait_for(lambda: available_count(show_raw(client, name)) == 3, 10, interval=0.1,
                 what="3 available nodes")
        shown = show_raw(client, name)
        assert shown["status"]["phase"] == "Running"
        assert not shown["status"]["resources"].get("creating")
    finally:
        client.delete_pool(m.DeletePoolRequest(pool_name=name))


def test_snt9b_cards_are_read_by_the_sdk_node_model(client, make_pool):
    # The SDK's NodeResource reads `huawei.com/ascend-snt9`; snt9b nodes count there.
    name = make_pool(resources=(("modelarts.vm.npu.arm.1snt9b", 1),)).metadata.name
    node = client.list_pool_nodes(m.ListPoolNodesRequest(pool_name=name)).items[0]
    assert node.status.resources.huawei_com_ascend_snt9 == "1"
    flavors = client.list_resource_flavors(m.ListResourceFlavorsRequest()).items
    annotations = {f.metadata.name: f.metadata.annotations for f in flavors}
    assert annotations["modelarts.vm.npu.arm.1snt9b"].os_modelarts_flavor_image_filter


def test_the_sdk_reads_what_the_service_sets_on_a_pool(client, make_pool):
    name = make_pool().metadata.name
    pool = client.show_pool(m.ShowPoolRequest(pool_name=name))
    assert pool.metadata.labels.os_modelarts_enterprise_project_id == "0"
    assert pool.metadata.annotations.os_modelarts_order_id.startswith("CS")
    assert "maos." in pool.metadata.annotations.os_modelarts_flavor_resource_ids
    assert pool.spec.control_mode == 0
    assert pool.status.clusters.name.startswith("cluster-")
    assert pool.status.clusters.version
