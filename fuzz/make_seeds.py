#!/usr/bin/env python3
"""Regenerates the committed seed corpora in fuzz/seeds/<target>/ from the
project's own test data: the Kubernetes selector tables
(crates/respool-core/tests/selector_table.rs), the real SDK requests
(crates/respool-sign/tests/fixtures/sdk_requests.json), the API reference's
example pool (/work/shared/seed, if present) and a few hand-written bodies.

Run from anywhere: python3 fuzz/make_seeds.py. Stdlib only.
"""
import hashlib
import json
import re
import shutil
from pathlib import Path

FUZZ = Path(__file__).resolve().parent
REPO = FUZZ.parent
SEEDS = FUZZ / "seeds"
FIXTURES = REPO / "crates/respool-sign/tests/fixtures/sdk_requests.json"
SELECTOR_TABLE = REPO / "crates/respool-core/tests/selector_table.rs"
API_EXAMPLE = REPO.parent / "shared/seed/obtaining-resource-pools.txt"


def write(target, name, data):
    d = SEEDS / target
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    (d / name).write_bytes(data)


def selector_seeds():
    text = SELECTOR_TABLE.read_text()
    seen = set()
    for lit in re.findall(r'"((?:[^"\\]|\\.)*)"', text):
        if "\\" in lit:  # Rust escapes: keep the simple ones only
            lit = re.sub(r"\\u\{([0-9a-fA-F]+)\}", lambda m: chr(int(m.group(1), 16)), lit)
            lit = lit.replace("\\t", "\t").replace("\\n", "\n").replace('\\"', '"')
            if "\\" in lit:
                continue
        s = lit
        # Selector inputs, not the expected error messages.
        if len(s) > 100 or "must" in s or "Invalid" in s or "{" in s or s in seen:
            continue
        seen.add(s)
    for extra in ["os.modelarts/name=my-pool", "os.modelarts/name in (a,b),!gone",
                  "os.modelarts/workspace.id!=0,chaos notin (x, y)", "k>-1,k<10", "a,b,c=,d==e"]:
        seen.add(extra)
    for i, s in enumerate(sorted(seen)):
        write("selector", f"k8s-{i:03d}", s)


def fixture_requests():
    return json.loads(FIXTURES.read_text())["requests"]


def authorization_seeds():
    sig = "0" * 64
    for i, r in enumerate(fixture_requests()):
        for name, value in r["headers"]:
            if name.lower() == "authorization":
                write("authorization", f"sdk-{i:02d}", value)
    for i, v in enumerate([
        f"SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature={sig}",
        f"SDK-HMAC-SHA256   Access=AK,SignedHeaders=host,    Signature={sig}",
        f"SDK-HMAC-SHA256 Access=AK, Signature={sig}, SignedHeaders=host",
        "SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b;;c, Signature=xyz",
        "SDK-HMAC-SM3 Access=AK",
        "Bearer abc",
    ]):
        write("authorization", f"hand-{i:02d}", v)


def sign_request_seeds():
    for i, r in enumerate(fixture_requests()):
        head = [r["secret_key"], f'{r["method"]} {r["target"]}']
        head += [f"{n}: {v}" for n, v in r["headers"]]
        write("sign_request", f"sdk-{i:02d}", "\n".join(head) + "\n\n" + r["body"])


POOL_BODIES = [
    {"apiVersion": "v2", "kind": "Pool",
     "metadata": {"labels": {"os.modelarts/name": "my-pool", "os.modelarts/workspace.id": "0"}},
     "spec": {"type": "Dedicate", "scope": ["Train"],
              "resources": [{"flavor": "modelarts.vm.cpu.4ud", "count": 2}],
              "network": {"name": "network-my"}}},
    {"apiVersion": "v2", "kind": "Pool",
     "metadata": {"labels": {"os.modelarts/name": "prepaid", "os.modelarts/node.prefix": "np"},
                  "annotations": {"os.modelarts/billing.mode": "1", "os.modelarts/period.num": "2",
                                  "os.modelarts/period.type": "2", "os.modelarts/auto.renew": "1",
                                  "os.modelarts/description": "a yearly/monthly pool",
                                  "respool.io/timing": "immediate"}},
     "spec": {"type": "Dedicate", "scope": ["Train", "Infer", "Notebook"],
              "resources": [{"flavor": "modelarts.vm.cpu.8ud", "count": 1, "maxCount": 1,
                             "extendParams": {"dockerBaseSize": "0"}},
                            {"flavor": "modelarts.vm.cpu.4ud", "count": 3}],
              "network": {"name": "net-b"}, "jobFlavors": ["modelarts.vm.cpu.4ud"]}},
]

PATCHES = [
    {"spec": {"resources": [{"flavor": "modelarts.vm.cpu.4ud", "count": 5}]}},
    {"spec": {"resources": [{"flavor": "modelarts.vm.cpu.8ud", "count": 1},
                            {"flavor": "modelarts.vm.cpu.4ud", "count": 1}]}},
    {"metadata": {"labels": {"chaos": "monkey", "os.modelarts/name": None},
                  "annotations": {"os.modelarts/description": "ünïcödé", "os.modelarts/billing.mode": "1"}}},
    {"spec": {"scope": ["Infer"], "jobFlavors": None}},
    {"status": {"phase": "Running"}, "metadata": {"name": "other"}},
    {},
]


def pool_seeds():
    for i, r in enumerate(fixture_requests()):
        if r["body"] and "/pools" in r["path"] and r["method"] == "POST" and r["path"].endswith("/pools"):
            write("pool_create", f"sdk-{i:02d}", r["body"])
        if r["body"] and r["method"] == "PATCH":
            write("pool_patch", f"sdk-{i:02d}", r["body"])
    for i, b in enumerate(POOL_BODIES):
        write("pool_create", f"hand-{i:02d}", json.dumps(b))
    if API_EXAMPLE.exists():
        for line in API_EXAMPLE.read_text().splitlines():
            if line.startswith('{ "kind" : "PoolList"'):
                for j, item in enumerate(json.loads(line)["items"]):
                    write("pool_create", f"api-reference-{j:02d}", json.dumps(item))
    for i, p in enumerate(PATCHES):
        write("pool_patch", f"hand-{i:02d}", json.dumps(p, ensure_ascii=False))


def main():
    if SEEDS.exists():
        shutil.rmtree(SEEDS)
    selector_seeds()
    authorization_seeds()
    sign_request_seeds()
    pool_seeds()
    for d in sorted(SEEDS.iterdir()):
        size = sum(f.stat().st_size for f in d.iterdir())
        print(f"{d.name}: {len(list(d.iterdir()))} files, {size} bytes")


if __name__ == "__main__":
    main()
