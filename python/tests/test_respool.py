"""`respool.Respool` against the real binary."""
import json
import os
import signal
import socket
import subprocess
import sys
import sysconfig
import textwrap
import time
from pathlib import Path

import pytest

import respool
from respool import Respool, RespoolError

FLAVOR = "modelarts.vm.cpu.4ud"


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has ended; only its entry is left.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def wait_gone(pid, timeout=10):
    deadline = time.monotonic() + timeout
    while alive(pid):
        assert time.monotonic() < deadline, f"process {pid} still runs"
        time.sleep(0.05)


def sdk_pool(client, name, count=1):
    """A pool on a network created for it: a pool needs one that exists."""
    from huaweicloudsdkmodelarts.v1 import model as m
    net = client.create_network(m.CreateNetworkRequest(body=m.NetworkCreationRequest(
        api_version="v1", kind="Network",
        metadata=m.NetworkMetadataCreation(labels=m.NetworkMetadataLabels(os_modelarts_name=f"net-{name}")),
        spec=m.NetworkSpec(cidr="192.168.0.0/16")))).metadata.name
    return m.CreatePoolRequest(body=m.CreatePoolRequestBody(
        api_version="v2", kind="Pool",
        metadata=m.PoolMetadataCreation(labels=m.PoolLabelsCreation(os_modelarts_name=name)),
        spec=m.PoolSpecCreation(type="Dedicate", scope=["Train"],
                                resources=[m.PoolResourceFlavor(flavor=FLAVOR, count=count)],
                                network=m.PoolSpecCreationNetwork(name=net))))


def test_the_bundled_binary_has_the_package_version():
    if os.environ.get("RESPOOL_BIN"):
        pytest.skip("RESPOOL_BIN is set: not the installed binary")
    scripts = Path(sysconfig.get_path("scripts"))
    binary = respool.find_respool_bin()
    assert binary == scripts / "respool"
    out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["respool", respool.__version__]


def test_a_pool_through_the_sdk_on_the_manual_clock():
    from huaweicloudsdkmodelarts.v1 import model as m
    with Respool() as rp:
        assert rp.endpoint.startswith("http://127.0.0.1:")
        assert len(rp.project_id) == 32 and rp.ak and rp.sk and rp.domain_id and rp.admin_token
        client = rp.client()
        name = client.create_pool(sdk_pool(client, "pool-one", count=2)).metadata.name
        assert name == f"pool-one-{rp.project_id}"
        show = lambda: client.show_pool(m.ShowPoolRequest(pool_name=name)).status.phase  # noqa: E731
        assert show() == "Creating"
        clock = rp.clock()
        assert clock["frozen"] and clock["timing"] == "manual"
        assert rp.advance(719)["changedPools"] == 0
        assert show() == "Creating"
        assert rp.advance(1)["changedPools"] == 1
        assert show() == "Running"
        assert rp.clock()["nowMs"] == clock["nowMs"] + 720_000

        fault = rp.add_fault("os.modelarts/name=pool-one", "nodes-abnormal", count=1)
        assert fault["count"] == 1 and [f["id"] for f in rp.faults()] == [fault["id"]]
        assert show() == "Abnormal"
        rp.remove_fault(fault["id"])
        rp.advance(60)
        assert show() == "Running"
        assert rp.faults() == []

        log = rp.requests()
        assert {(r["method"], r["status"]) for r in log} >= {("POST", 200), ("GET", 200)}
        assert all(r["accessKey"] == rp.ak for r in log)
        assert len(rp.requests(limit=1)) == 1

        assert rp.reset()["deletedPools"] == 1
        assert client.list_pools(m.ListPoolsRequest()).items == []


def test_pay_starts_a_prepaid_pool():
    from huaweicloudsdkmodelarts.v1 import model as m
    with Respool() as rp:
        client = rp.client()
        body = sdk_pool(client, "prepaid").body
        body.metadata.annotations = m.PoolAnnotationsCreation(os_modelarts_billing_mode="1")
        name = client.create_pool(m.CreatePoolRequest(body=body)).metadata.name
        phase = lambda: client.show_pool(m.ShowPoolRequest(pool_name=name)).status.phase  # noqa: E731
        assert phase() == "Waiting"
        assert rp.pay("prepaid")["status"]["phase"] == "Creating"
        with pytest.raises(RespoolError, match="409|400"):
            rp.pay(name)  # paid already


def test_a_seed_dict_and_a_seed_file(tmp_path):
    seed = {"pools": [{"name": "seeded", "flavor": FLAVOR, "count": 3, "labels": {"team": "ml"}}],
            "faults": [{"selector": "team=ml", "effect": "creation-fails"}]}
    with Respool(seed=seed) as rp:
        from huaweicloudsdkmodelarts.v1 import model as m
        pools = rp.client().list_pools(m.ListPoolsRequest(label_selector="team=ml")).items
        assert [p.metadata.name for p in pools] == [f"seeded-{rp.project_id}"]
        assert [f["effect"] for f in rp.faults()] == ["creation-fails"]
    path = tmp_path / "seed.yaml"
    path.write_text("pools:\n  - name: from-file\n    flavor: modelarts.vm.cpu.4ud\n")
    with Respool(seed=path, timing="immediate") as rp:
        from huaweicloudsdkmodelarts.v1 import model as m
        pool = rp.client().show_pool(m.ShowPoolRequest(pool_name=f"from-file-{rp.project_id}"))
        assert pool.status.phase == "Running"  # immediate timing


def test_a_given_data_dir_is_kept_and_reused(tmp_path):
    data = tmp_path / "data"
    seed = {"pools": [{"name": "kept", "flavor": FLAVOR}]}
    with Respool(data_dir=data, seed=seed) as rp:
        first = rp.admin("GET", "clock")
        root = rp.root
    assert (data / "respool.db").is_file() and not root.exists()
    with Respool(data_dir=data, seed=seed) as rp:
        # The same store: the frozen clock and the pool (not created twice).
        assert rp.clock()["nowMs"] == first["nowMs"]


def test_auth_off_and_other_timings():
    with Respool(timing="fast", auth="off") as rp:
        assert rp.clock()["timing"] == "fast" and not rp.clock()["frozen"]
    with pytest.raises(ValueError, match="timing"):
        Respool(timing="slow")
    with pytest.raises(ValueError, match="auth"):
        Respool(auth="maybe")


def test_exit_stops_the_server_and_removes_its_data_also_on_an_exception():
    with pytest.raises(ZeroDivisionError):
        with Respool() as rp:
            pid, root = rp.pid, rp.root
            assert alive(pid) and (root / "data" / "respool.db").exists()
            1 / 0
    assert not alive(pid)
    assert not root.exists()
    rp.stop()  # twice is fine


def test_keep_leaves_the_directory():
    with Respool(keep=True) as rp:
        root = rp.root
    try:
        assert (root / "server.log").is_file() and "respool serving" in (root / "server.log").read_text()
    finally:
        import shutil
        shutil.rmtree(root)


def test_the_server_ends_with_the_python_process_that_started_it(tmp_path):
    script = textwrap.dedent("""
        import os, sys
        from respool import Respool
        rp = Respool().start()
        print(rp.pid, flush=True)
        os.kill(os.getpid(), 9)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == -signal.SIGKILL, out.stderr
    wait_gone(int(out.stdout.split()[0]))


def test_a_taken_port_is_a_clear_error_and_fast():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        started = time.monotonic()
        rp = Respool(port=port)
        with pytest.raises(RespoolError) as e:
            rp.start()
    assert time.monotonic() - started < 15
    msg = str(e.value)
    assert "did not start" in msg and f"cannot listen on 127.0.0.1:{port}" in msg
    assert not rp.running and not rp.root.exists()


def test_a_bad_flavors_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "flavors.json"
    bad.write_text('[{"name": "x"')
    started = time.monotonic()
    with pytest.raises(RespoolError, match="invalid flavors file") as e:
        Respool(flavors=bad).start()
    assert str(bad) in str(e.value)
    assert time.monotonic() - started < 15
    with pytest.raises(RespoolError, match="cannot read the flavors file"):
        Respool(flavors=tmp_path / "missing.json").start()


def test_a_bad_seed_is_a_clear_error(tmp_path):
    with pytest.raises(RespoolError, match=r"pools\[0\] \(p-bad\).*no.such.flavor"):
        Respool(seed={"pools": [{"name": "p-bad", "flavor": "no.such.flavor"}]}).start()
    with pytest.raises(RespoolError, match="seed file does not exist"):
        Respool(seed=tmp_path / "nope.yaml").start()


def test_a_missing_or_unusable_binary_is_a_clear_error(tmp_path):
    with pytest.raises(RespoolError, match="does not exist"):
        Respool(bin=tmp_path / "nope").start()
    plain = tmp_path / "plain"
    plain.write_text("not a program")
    with pytest.raises(RespoolError, match="not executable"):
        Respool(bin=plain).start()


def test_a_start_that_hangs_is_given_up_in_time(tmp_path):
    # A "server" that never answers: the start gives up after start_timeout.
    hang = tmp_path / "respool"
    hang.write_text("#!/bin/sh\nexec sleep 600\n")
    hang.chmod(0o755)
    started = time.monotonic()
    rp = Respool(bin=hang, start_timeout=1.5)
    with pytest.raises(RespoolError, match="not ready after 1.5 s"):
        rp.start()
    assert time.monotonic() - started < 10
    assert not alive(rp.pid)


def test_a_bad_admin_call_raises_with_the_answer():
    with Respool() as rp:
        with pytest.raises(RespoolError, match="400"):
            rp.add_fault("a=b", "explodes")
        with pytest.raises(RespoolError, match="404"):
            rp.remove_fault("fault-none")
    with pytest.raises(RespoolError, match="not running"):
        rp.reset()


def test_client_without_the_sdk_is_a_clear_import_error(monkeypatch):
    with Respool() as rp:
        monkeypatch.setitem(sys.modules, "huaweicloudsdkmodelarts", None)
        monkeypatch.setitem(sys.modules, "huaweicloudsdkmodelarts.v1", None)
        with pytest.raises(ImportError, match="pip install huaweicloudsdkmodelarts"):
            rp.client()


def test_python_m_respool_runs_the_binary():
    out = subprocess.run([sys.executable, "-m", "respool", "--version"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("respool ")


def test_credentials_match_what_the_server_signs_with():
    with Respool() as rp:
        c = rp.credentials()
        env = {**os.environ, "HUAWEICLOUD_SDK_AK": c["ak"], "HUAWEICLOUD_SDK_SK": c["sk"],
               "HUAWEICLOUD_SDK_PROJECT_ID": c["project_id"], "RESPOOL_ENDPOINT": c["endpoint"]}
        out = subprocess.run([str(respool.find_respool_bin()), "pool", "list", "-o", "json"],
                             env=env, capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["items"] == []


def test_postgres_url_keeps_the_data_in_postgresql():
    """On a database of its own (needs PostgreSQL at 127.0.0.1:5432, trust auth)."""
    import secrets
    import shutil
    if not shutil.which("createdb") or subprocess.run(
            ["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"]).returncode != 0:
        pytest.skip("no PostgreSQL at 127.0.0.1:5432")
    db = "respool_py_" + secrets.token_hex(4)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", db], check=True)
    try:
        url = f"postgres://postgres@127.0.0.1:5432/{db}"
        seed = {"pools": [{"name": "in-postgres", "flavor": FLAVOR}]}
        with Respool(postgres_url=url, seed=seed) as rp:
            assert not (rp.data_dir / "respool.db").exists()
            project = rp.project_id
        out = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-Atc",
             "select count(*) from pools where project_id = '%s'" % project],
            capture_output=True, text=True, check=True)
        assert out.stdout.strip() == "1"
    finally:
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--force", db])
