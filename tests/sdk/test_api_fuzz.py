"""Schemathesis against respool's own /openapi.json, every operation, with
valid SDK signatures (api_fuzz_hooks.py).

It fails on any 5xx, any response that breaks the document (status, content
type, headers, schema), any schema-violating request that is accepted, and any
error that is not `{"error_code": str, "error_msg": str}` with an X-Request-Id.

Bounded by default (a fixed seed and a few examples per operation, well under
two minutes). scripts/fuzz-api.sh runs the same test long, with a random seed.

Environment:
  RESPOOL_FUZZ_EXAMPLES   examples per operation and phase (default 25)
  RESPOOL_FUZZ_MAX_TIME   seconds: keep fuzzing until spent (default: off)
  RESPOOL_FUZZ_SEED       an integer, or `random` (default: a fixed seed)
  RESPOOL_FUZZ_REPORT     a directory for schemathesis' JUnit/NDJSON reports
"""
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from harness import FLAVOR, RespoolServer, m, pool_body, signed_request

HERE = Path(__file__).resolve().parent
EXAMPLES = int(os.environ.get("RESPOOL_FUZZ_EXAMPLES", "25"))
MAX_TIME = os.environ.get("RESPOOL_FUZZ_MAX_TIME")
SEED = os.environ.get("RESPOOL_FUZZ_SEED", "20261127")
REPORT = os.environ.get("RESPOOL_FUZZ_REPORT")
# Every loop is bounded: the whole run, whatever the settings.
DEADLINE = int(MAX_TIME or 0) + 120 + EXAMPLES * 2


@pytest.fixture(scope="module")
def fuzz_server():
    """A server of its own: the fuzzer creates, patches and deletes freely."""
    with tempfile.TemporaryDirectory(prefix="respool-api-fuzz-") as root:
        srv = RespoolServer("immediate", "enforce", Path(root)).start()
        try:
            yield srv
        finally:
            srv.stop()


def seed(srv):
    """Objects for the fuzzer to find: without them every `{pool_name}` is a 404.

    Returns {dictionary name: [values]}. Pools named `fuzz-keep-*` are what
    most operations see; `fuzz-doom-*` only DeletePool gets.
    """
    client = srv.client()
    keep, doom, nodes = [], [], []
    for display, bucket in [("fuzz-keep-a", keep), ("fuzz-keep-b", keep),
                            ("fuzz-doom-a", doom), ("fuzz-doom-b", doom), ("fuzz-doom-c", doom)]:
        resp = client.create_pool(m.CreatePoolRequest(body=pool_body(
            display, scope=("Train", "Infer"), resources=((FLAVOR, 2),))))
        bucket.append(resp.metadata.name)
    for name in keep:
        r = signed_request(srv, "GET", f"/v2/{srv.project_id}/pools/{name}/nodes")
        assert r.status_code == 200, r.text
        nodes += [n["metadata"]["name"] for n in r.json()["items"]]
    found = {"pools": keep, "doomed": doom, "nodes": nodes or ["os-node-none"]}
    # Best effort: the network and workspace APIs are younger than this test.
    r = signed_request(srv, "POST", f"/v1/{srv.project_id}/networks", body={
        "apiVersion": "v1", "kind": "Network",
        "metadata": {"labels": {"os.modelarts/name": "fuzz-net"}},
        "spec": {"cidr": "192.168.0.0/16"}})
    if r.status_code == 200:
        found["networks"] = [r.json()["metadata"]["name"]]
    r = signed_request(srv, "POST", f"/v1/{srv.project_id}/workspaces",
                       body={"name": "fuzz-workspace"})
    found["workspaces"] = ["0"] + ([r.json()["id"]] if r.status_code == 200 else [])
    return found


def config_text(srv, found):
    """The static settings plus this run's parameters, as TOML."""
    q = json.dumps  # a JSON string is a valid TOML basic string
    lines = [(HERE / "schemathesis.toml").read_text(), "", "[dictionaries]"]
    for name, values in found.items():
        lines.append(f"{name} = {{ values = [{', '.join(q(v) for v in values)}] }}")
    bindings = {"pool_name": "pools", "node_name": "nodes", "network_name": "networks",
                "workspace_id": "workspaces"}
    lines += ["", "[parameters]", f'"path.project_id" = {q(srv.project_id)}']
    for param, dictionary in bindings.items():
        if dictionary in found:
            # Half the values come from the seeds, half are generated.
            lines.append(f'"path.{param}" = {{ dictionary = {q(dictionary)}, probability = 0.5 }}')
    lines += ["", "[[operations]]", 'include-operation-id = "DeletePool"',
              'parameters = { "path.project_id" = ' + q(srv.project_id)
              + ', "path.pool_name" = { dictionary = "doomed", probability = 0.5 } }']
    return "\n".join(lines) + "\n"


def test_openapi_fuzz(fuzz_server):
    srv = fuzz_server
    found = seed(srv)
    with tempfile.TemporaryDirectory(prefix="respool-schemathesis-") as work:
        config = Path(work) / "schemathesis.toml"
        config.write_text(config_text(srv, found))
        cmd = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "--no-color",
               "run", srv.url("/openapi.json"), "--max-examples", str(EXAMPLES),
               "--report-dir", REPORT or str(Path(work) / "report")]
        if SEED != "random":
            cmd += ["--seed", SEED]
        if MAX_TIME:
            cmd += ["--max-time", MAX_TIME]
        if REPORT:
            cmd += ["--report", "junit,ndjson"]
        env = dict(os.environ, RESPOOL_FUZZ_AK=srv.access_key, RESPOOL_FUZZ_SK=srv.secret_key,
                   RESPOOL_FUZZ_PROJECT_ID=srv.project_id,
                   PYTHONPATH=os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])))
        res = subprocess.run(cmd, env=env, cwd=work, capture_output=True, text=True,
                             timeout=DEADLINE)
    print(res.stdout)
    print(res.stderr, file=sys.stderr)
    assert srv.proc.poll() is None, f"respool died during fuzzing:\n{srv.log_tail()}"
    log = srv.log_path.read_text(errors="replace")
    assert "panicked" not in log, f"respool panicked:\n{srv.log_tail(80)}"
    assert res.returncode == 0, (
        f"schemathesis found problems (exit {res.returncode}):\n{res.stdout[-20000:]}\n{res.stderr[-4000:]}")
