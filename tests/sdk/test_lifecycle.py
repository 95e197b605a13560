"""The pool lifecycle through the official Python SDK, on the manual clock.

Time moves only through the admin API (`POST /_respool/clock/advance`), so
nothing here sleeps on the lifecycle. Manual timing: a node takes 720 s to
create and 180 s to delete, a pool 240 s to delete, a node 60 s to recover.

This file starts its own server (`--timing manual`, admin API on).
"""
import json
import os
import secrets
import shutil
import socket
import string
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

for _var in ("NO_PROXY", "no_proxy"):  # the SDK uses requests: keep loopback local
    os.environ[_var] = ",".join(x for x in ("127.0.0.1", "localhost", os.environ.get(_var, "")) if x)

from huaweicloudsdkcore.auth.credentials import BasicCredentials  # noqa: E402
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException  # noqa: E402
from huaweicloudsdkcore.http.http_config import HttpConfig  # noqa: E402
from huaweicloudsdkmodelarts.v1 import ModelArtsClient  # noqa: E402
from huaweicloudsdkmodelarts.v1 import model as m  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
PROJECT_ID = "5a1c0ffee0ddba11c0de5eed0000aa01"
DOMAIN_ID = "d000000000000000000000000000aa01"
ACCESS_KEY = "RESPOOLLIFECYCLEAK01"
SECRET_KEY = "RespoolLifecycleSecretKey00000000000001"
ADMIN_TOKEN = "lifecycle-admin-" + secrets.token_hex(8)
FLAVOR = "modelarts.vm.cpu.4ud"

NODE_CREATE = 720
NODE_DELETE = 180
POOL_DELETE = 240
RECOVER = 60


class Server:
    def __init__(self, proc, port, data_dir, log_path):
        self.proc, self.port, self.data_dir, self.log_path = proc, port, data_dir, log_path
        self.http = requests.Session()
        self.http.trust_env = False

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def admin(self, method, path, body=None):
        r = self.http.request(method, self.endpoint + path, json=body, timeout=10,
                              headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        return r

    def advance(self, seconds):
        r = self.admin("POST", "/_respool/clock/advance", {"seconds": seconds})
        assert r.status_code == 200, r.text
        return r.json()

    def add_fault(self, selector, effect, count=None):
        body = {"labelSelector": selector, "effect": effect}
        if count is not None:
            body["count"] = count
        r = self.admin("POST", "/_respool/faults", body)
        assert r.status_code == 201, r.text
        return r.json()["id"]

    def remove_fault(self, fault_id):
        r = self.admin("DELETE", f"/_respool/faults/{fault_id}")
        assert r.status_code == 200, r.text

    def log_tail(self, n=40):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


def _binary():
    path = Path(os.environ.get("RESPOOL_BIN") or REPO / "target" / "debug" / "respool")
    if not path.is_file():
        pytest.fail(f"respool binary not found at {path}: run `cargo build -p respool`")
    return path


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    root = Path(tempfile.mkdtemp(prefix="respool-lifecycle-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESPOOL_")}
    env.update({
        "RESPOOL_ACCESS_KEY": ACCESS_KEY,
        "RESPOOL_SECRET_KEY": SECRET_KEY,
        "RESPOOL_PROJECT_ID": PROJECT_ID,
        "RESPOOL_DOMAIN_ID": DOMAIN_ID,
        "RESPOOL_ADMIN_TOKEN": ADMIN_TOKEN,
    })
    srv = None
    for _attempt in range(3):  # the probed port may be taken before the bind
        port = _free_port()
        log_path = root / f"server-{port}.log"
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(
                [str(_binary()), "serve", "--listen", f"127.0.0.1:{port}",
                 "--data-dir", str(root / "data"), "--timing", "manual",
                 # Pools here name a network they never create.
                 "--lenient-networks"],
                env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        candidate = Server(proc, port, root / "data", log_path)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if candidate.http.get(candidate.endpoint + "/healthz", timeout=1).status_code == 200:
                    srv = candidate
                    break
            except requests.RequestException:
                pass
            time.sleep(0.05)
        if srv:
            break
        proc.kill()
        proc.wait(timeout=5)
    if srv is None:
        pytest.fail("respool did not start")
    try:
        yield srv
    finally:
        srv.proc.terminate()
        try:
            srv.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            srv.proc.kill()
            srv.proc.wait(timeout=5)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def client(server):
    cfg = HttpConfig.get_default_config()
    cfg.timeout = (5, 30)
    return (ModelArtsClient.new_builder()
            .with_http_config(cfg)
            .with_credentials(BasicCredentials(ACCESS_KEY, SECRET_KEY, PROJECT_ID))
            .with_endpoints([server.endpoint])
            .build())


def unique(prefix="life"):
    alphabet = string.ascii_lowercase + string.digits
    return f"{prefix}-" + "".join(secrets.choice(alphabet) for _ in range(8))


def create(client, count=1, billing_mode=None, auto_pay=None, display=None):
    display = display or unique()
    annotations = None
    if billing_mode is not None:
        annotations = m.PoolAnnotationsCreation(os_modelarts_billing_mode=billing_mode,
                                                os_modelarts_auto_pay=auto_pay)
    body = m.CreatePoolRequestBody(
        api_version="v2", kind="Pool",
        metadata=m.PoolMetadataCreation(
            labels=m.PoolLabelsCreation(os_modelarts_name=display, os_modelarts_workspace_id="0"),
            annotations=annotations),
        spec=m.PoolSpecCreation(
            type="Dedicate", scope=["Train"],
            resources=[m.PoolResourceFlavor(flavor=FLAVOR, count=count)],
            network=m.PoolSpecCreationNetwork(name="net-life")))
    resp = client.create_pool(m.CreatePoolRequest(body=body))
    return resp.metadata.name, display


def show(client, name):
    """The pool as the SDK gets it, and the raw JSON (the SDK drops the bucket arrays)."""
    resp = client.show_pool(m.ShowPoolRequest(pool_name=name))
    return resp, json.loads(resp.raw_content)


def bucket(raw, name):
    return sum(f["count"] for f in raw["status"].get("resources", {}).get(name, []))


def nodes(client, name, **kw):
    return client.list_pool_nodes(m.ListPoolNodesRequest(pool_name=name, **kw))


def scale(client, name, count):
    body = m.PoolUpdateRequest(spec=m.PoolSpecUpdate(
        resources=[m.PoolSpecUpdateResources(flavor=FLAVOR, count=count)]))
    return client.patch_pool(m.PatchPoolRequest(pool_name=name, body=body))


def expect_error(call, status, code):
    with pytest.raises(ClientRequestException) as info:
        call()
    e = info.value
    assert (e.status_code, e.error_code) == (status, code), e.error_msg
    assert e.request_id
    return e


def test_creation_scaling_node_deletion_and_deletion(server, client):
    name, _ = create(client, count=2)
    resp, raw = show(client, name)
    assert resp.status.phase == "Creating"
    assert bucket(raw, "creating") == 2
    listed = nodes(client, name)
    assert listed.kind == "NodeList"
    assert [n.status.phase for n in listed.items] == ["Creating", "Creating"]

    server.advance(NODE_CREATE)
    resp, raw = show(client, name)
    assert resp.status.phase == "Running"
    assert bucket(raw, "available") == 2
    node = nodes(client, name).items[0]
    assert node.status.phase == "Available"
    assert node.metadata.name.startswith("os-node-created-")
    assert node.metadata.labels.os_modelarts_node_nodepool == f"{FLAVOR}-default"
    assert len(node.metadata.labels.os_modelarts_node_underlying_instance_id) == 36
    assert node.spec.flavor == FLAVOR
    assert node.status.resources.cpu == "3920m"
    assert node.status.private_ip

    # Scale up: the new node is created while the pool stays Running.
    patched = scale(client, name, 3)
    assert patched.status.phase == "Running"
    raw = json.loads(patched.raw_content)
    assert (bucket(raw, "creating"), bucket(raw, "available")) == (1, 2)
    server.advance(NODE_CREATE)
    assert len(nodes(client, name).items) == 3

    # Batch-delete one node: it leaves, and the spec follows.
    victim = nodes(client, name).items[0].metadata.name
    deleted = client.batch_delete_pool_nodes(m.BatchDeletePoolNodesRequest(
        pool_name=name, body=m.NodesDeletionRequest(delete_node_names=[victim])))
    assert deleted.status_code == 200
    assert json.loads(deleted.raw_content) == [{"name": victim, "status": "success"}]
    shown = client.show_pool_node(m.ShowPoolNodeRequest(pool_name=name, node_name=victim))
    assert shown.status.phase == "Deleting"
    resp, raw = show(client, name)
    assert raw["spec"]["resources"][0]["count"] == 2
    server.advance(NODE_DELETE)
    left = [n.metadata.name for n in nodes(client, name).items]
    assert len(left) == 2 and victim not in left
    e = expect_error(lambda: client.show_pool_node(
        m.ShowPoolNodeRequest(pool_name=name, node_name=victim)), 404, "ModelArts.50015001")
    assert e.error_msg == f'node "{victim}" not found'

    # At least one node must remain.
    expect_error(lambda: client.batch_delete_pool_nodes(m.BatchDeletePoolNodesRequest(
        pool_name=name, body=m.NodesDeletionRequest(delete_node_names=left))),
        400, "ModelArts.50004000")

    # Scale down through Deleting.
    raw = json.loads(scale(client, name, 1).raw_content)
    assert bucket(raw, "deleting") == 1
    server.advance(NODE_DELETE)
    assert len(nodes(client, name).items) == 1

    # Delete the pool: Deleting, then gone.
    deleted = client.delete_pool(m.DeletePoolRequest(pool_name=name))
    assert deleted.metadata.deletion_timestamp
    assert show(client, name)[0].status.phase == "Deleting"
    server.advance(POOL_DELETE)
    e = expect_error(lambda: client.show_pool(m.ShowPoolRequest(pool_name=name)),
                     404, "ModelArts.50015001")
    assert e.error_msg == f'pool "{name}" not found'
    expect_error(lambda: nodes(client, name), 404, "ModelArts.50015001")


def test_node_list_pages(server, client):
    name, _ = create(client, count=5)
    seen, token = [], None
    while True:
        page = nodes(client, name, limit=2, _continue=token)
        assert len(page.items) <= 2
        seen += [n.metadata.name for n in page.items]
        token = page.metadata._continue if page.metadata else None
        if not token:
            break
        assert page.metadata.remaining_item_count == 5 - len(seen)
    assert len(seen) == len(set(seen)) == 5
    expect_error(lambda: nodes(client, name, limit=501), 400, "ModelArts.50004000")
    expect_error(lambda: nodes(client, name, _continue="garbled!"), 400, "ModelArts.50004000")


def test_prepaid_pool_waits_for_payment(server, client):
    name, _ = create(client, billing_mode="1")
    assert show(client, name)[0].status.phase == "Waiting"
    assert nodes(client, name).items == []
    server.advance(NODE_CREATE)
    assert show(client, name)[0].status.phase == "Waiting"
    r = server.admin("POST", f"/_respool/pools/{PROJECT_ID}/{name}/pay")
    assert r.status_code == 200, r.text
    assert show(client, name)[0].status.phase == "Creating"
    server.advance(NODE_CREATE)
    assert show(client, name)[0].status.phase == "Running"

    paid, _ = create(client, billing_mode="1", auto_pay="true")
    assert show(client, paid)[0].status.phase == "Creating"


def test_creation_failure_is_listed_as_failed(server, client):
    name, display = create(client, display=unique("doomed"))
    fault = server.add_fault(f"os.modelarts/name={display}", "creation-fails")
    try:
        server.advance(NODE_CREATE)
        resp, raw = show(client, name)
        assert resp.status.phase == "CreationFailed"
        assert raw["status"]["resources"] == {}
        failed = client.list_pools(m.ListPoolsRequest(status="failed"))
        assert name in [p.metadata.name for p in failed.items]
    finally:
        server.remove_fault(fault)


def test_abnormal_nodes_and_recovery(server, client):
    name, display = create(client, count=2)
    server.advance(NODE_CREATE)
    fault = server.add_fault(f"os.modelarts/name={display}", "nodes-abnormal", count=1)
    resp, raw = show(client, name)
    assert resp.status.phase == "Abnormal"
    assert (bucket(raw, "abnormal"), bucket(raw, "available")) == (1, 1)
    assert sorted(n.status.phase for n in nodes(client, name).items) == ["Abnormal", "Available"]
    server.remove_fault(fault)
    server.advance(RECOVER)
    assert show(client, name)[0].status.phase == "Running"
    assert {n.status.phase for n in nodes(client, name).items} == {"Available"}


def test_stuck_deletion_finishes_when_the_fault_goes(server, client):
    name, display = create(client)
    server.advance(NODE_CREATE)
    fault = server.add_fault(f"os.modelarts/name={display}", "delete-stuck")
    client.delete_pool(m.DeletePoolRequest(pool_name=name))
    server.advance(POOL_DELETE * 10)
    assert show(client, name)[0].status.phase == "Deleting"
    server.remove_fault(fault)
    expect_error(lambda: client.show_pool(m.ShowPoolRequest(pool_name=name)),
                 404, "ModelArts.50015001")


def test_scaling_failure(server, client):
    name, display = create(client, count=1)
    server.advance(NODE_CREATE)
    fault = server.add_fault(f"os.modelarts/name={display}", "scaling-fails")
    try:
        assert scale(client, name, 2).status.phase == "Running"
        server.advance(NODE_CREATE)
        resp, raw = show(client, name)
        assert resp.status.phase == "ScalingFailed"
        assert raw["spec"]["resources"][0]["count"] == 1
        assert len(nodes(client, name).items) == 1
    finally:
        server.remove_fault(fault)
