"""Every resource-pool operation of the official SDK (3.1.219) is served:
none answers the gateway's "no such API" (404 APIGW.0101) or a 405. The
README's coverage table lists each of them, served.

The operations are read from the SDK's own client: each `_<name>_http_info`
names its method and path; the pool family is chosen by path.
"""
import inspect
import re
from pathlib import Path

from harness import signed_request

FAMILY = re.compile(r"pools|nodepools|plugintemplates|networks|resourceflavors|workspaces|/quotas|"
                    r"/orders|/events|scheduled-events|/jobs/|metrics/runtime|nodeconfigtemplates")
OUTSIDE = re.compile(r"training|services/|notebooks|dev-servers|workflows")
README = Path(__file__).resolve().parents[2] / "README.md"
# The call the Terraform provider polls for node jobs, which the SDK lacks.
PROVIDER_ONLY = [("show_job", "GET", "/v2/{project_id}/jobs/{job_id}")]


def sdk_operations():
    from huaweicloudsdkmodelarts.v1 import modelarts_client
    source = inspect.getsource(modelarts_client)
    found = re.findall(r'def _(\w+)_http_info\(cls, request\):\s+http_info = \{\s+'
                       r'"method": "(\w+)",\s+"resource_path": "([^"]+)"', source)
    return sorted((n, m, p) for n, m, p in found if FAMILY.search(p) and not OUTSIDE.search(p))


def walked():
    return sdk_operations() + PROVIDER_ONLY


def concrete(path, project_id):
    return re.sub(r"\{(\w+)\}", lambda g: project_id if g.group(1) == "project_id"
                  else "coverage-" + g.group(1).replace("_", "-"), path)


def test_the_walk_finds_the_family():
    names = {n for n, _, _ in sdk_operations()}
    # The 61 operations of 3.1.219; a different SDK would change the count.
    assert len(names) == 61, sorted(names)
    assert {"list_pools", "create_node_pool", "create_pool_plugin", "show_os_quota",
            "show_pool_runtime_metrics", "show_node_config_template"} <= names


def test_every_sdk_pool_operation_is_served(server):
    missing = []
    for name, method, path in walked():
        body = {} if method in ("POST", "PUT", "PATCH") else None
        r = signed_request(server, method, concrete(path, server.project_id), body=body)
        try:
            answer = r.json()
        except ValueError:
            answer = None
        code = answer.get("error_code") if isinstance(answer, dict) else None
        if r.status_code == 405 or (r.status_code == 404 and code == "APIGW.0101"):
            missing.append(f"{name} {method} {path}: {r.status_code} {code}")
    assert not missing, "\n".join(missing)


def test_the_readme_table_lists_every_operation_served():
    text = README.read_text()
    table = text[text.index("## SDK coverage"):]
    rows = re.findall(r"^\| `(\w+)` \| (\w+) \| `([^`]+)` \| (\S+) \|", table, re.M)
    listed = {(n, m, p): served for n, m, p, served in rows}
    want = set(walked())
    assert set(listed) == want, (sorted(want - set(listed)), sorted(set(listed) - want))
    assert all(s == "served" for s in listed.values())
