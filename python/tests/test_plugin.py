"""The pytest plugin, run on test files of its own with pytester."""
import json
import os
import time
from pathlib import Path

import pytest

HELPERS = '''
import json, os
from huaweicloudsdkmodelarts.v1 import model as m

def network(client, display="net-test"):
    """The test's network, created once: a pool needs one that exists."""
    found = client.list_networks(m.ListNetworksRequest(
        label_selector=f"os.modelarts/name={display}")).items
    if found:
        return found[0].metadata.name
    return client.create_network(m.CreateNetworkRequest(body=m.NetworkCreationRequest(
        api_version="v1", kind="Network",
        metadata=m.NetworkMetadataCreation(labels=m.NetworkMetadataLabels(os_modelarts_name=display)),
        spec=m.NetworkSpec(cidr="192.168.0.0/16")))).metadata.name


def new_pool(client, name, count=1):
    return m.CreatePoolRequest(body=m.CreatePoolRequestBody(
        api_version="v2", kind="Pool",
        metadata=m.PoolMetadataCreation(labels=m.PoolLabelsCreation(os_modelarts_name=name)),
        spec=m.PoolSpecCreation(type="Dedicate", scope=["Train"],
                                resources=[m.PoolResourceFlavor(flavor="modelarts.vm.cpu.4ud", count=count)],
                                network=m.PoolSpecCreationNetwork(name=network(client)))))

def names(client, **kw):
    return sorted(p.metadata.name for p in client.list_pools(m.ListPoolsRequest(**kw)).items)

def record(server, **extra):
    """Appends what a test saw to seen.jsonl (for the outer test)."""
    with open(os.path.join(os.environ["SEEN_DIR"], "seen.jsonl"), "a") as f:
        f.write(json.dumps({"pid": server.pid, "root": str(server.root),
                            "endpoint": server.endpoint,
                            "worker": os.environ.get("PYTEST_XDIST_WORKER"), **extra}) + "\\n")
'''


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


@pytest.fixture
def run(pytester, monkeypatch):
    """Runs pytest on the files written to pytester's directory, in a subprocess."""
    monkeypatch.setenv("SEEN_DIR", str(pytester.path))
    pytester.makepyfile(helpers=HELPERS)

    def run(*args, timeout=300):
        return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=timeout)
    return run


def seen(pytester):
    path = pytester.path / "seen.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def assert_all_gone(records):
    assert records, "the inner tests recorded nothing"
    deadline = time.monotonic() + 10
    for r in records:
        while alive(r["pid"]):
            assert time.monotonic() < deadline, f"server {r['pid']} still runs"
            time.sleep(0.05)
        assert not Path(r["root"]).exists(), f"{r['root']} remains"


def test_fixtures_give_each_test_a_clean_server_and_clean_up(pytester, run):
    pytester.makepyfile(test_inner='''
        import pytest
        from helpers import new_pool, names, record

        def test_one(respool, modelarts_client):
            record(respool)
            name = modelarts_client.create_pool(new_pool(modelarts_client, "first")).metadata.name
            assert names(modelarts_client) == [name]

        def test_two_sees_nothing_of_test_one(respool, modelarts_client):
            record(respool)
            assert names(modelarts_client) == []
            modelarts_client.create_pool(new_pool(modelarts_client, "second"))

        @pytest.mark.respool(keep_state=True)
        def test_three_keeps_what_test_two_left(respool_server, modelarts_client):
            record(respool_server)
            assert names(modelarts_client) == [f"second-{respool_server.project_id}"]

        def test_session_server_is_reset_too(respool_server):
            from helpers import m
            record(respool_server)
            assert respool_server.client().list_pools(m.ListPoolsRequest()).items == []

        @pytest.mark.respool(timing="immediate")
        def test_own_server_for_another_timing(respool, respool_server, modelarts_client):
            record(respool)
            assert respool is not respool_server
            assert respool.clock()["timing"] == "immediate"
            name = modelarts_client.create_pool(new_pool(modelarts_client, "quick")).metadata.name
            assert names(modelarts_client, status="created") == [name]
    ''')
    result = run("-v")
    result.assert_outcomes(passed=5)
    records = seen(pytester)
    endpoints = [r["endpoint"] for r in records]
    assert len(set(endpoints[:4])) == 1, endpoints  # one session server
    assert endpoints[4] != endpoints[0]  # the marker's own server
    assert_all_gone(records)


def test_marker_faults_and_a_seed_file_relative_to_the_test(pytester, run):
    pytester.makefile(".yaml", scenario='''
        pools:
          - name: seeded-a
            flavor: modelarts.vm.cpu.4ud
            labels: {team: ml}
          - name: seeded-b
            flavor: modelarts.vm.cpu.4ud
            labels: {team: infra}
    ''')
    pytester.makepyfile(test_inner='''
        import pytest
        from helpers import m, new_pool, names

        @pytest.mark.respool(faults=[{"selector": "os.modelarts/name=doomed", "effect": "creation-fails"},
                                     ("os.modelarts/name=flaky", "nodes-abnormal", 1)])
        def test_faults(respool, modelarts_client):
            assert sorted(f["effect"] for f in respool.faults()) == ["creation-fails", "nodes-abnormal"]
            doomed = modelarts_client.create_pool(new_pool(modelarts_client, "doomed")).metadata.name
            respool.advance(720)
            assert names(modelarts_client, status="failed") == [doomed]

        def test_faults_are_gone_in_the_next_test(respool):
            assert respool.faults() == []

        @pytest.mark.respool(seed="scenario.yaml")
        def test_seed(respool, modelarts_client):
            assert names(modelarts_client, label_selector="team=ml") == [f"seeded-a-{respool.project_id}"]
            assert len(names(modelarts_client, label_selector="team")) == 2
    ''')
    run().assert_outcomes(passed=3)


def test_a_failed_test_has_its_server_log_attached(pytester, run):
    pytester.makepyfile(test_inner='''
        from helpers import new_pool

        def test_passes(modelarts_client):
            modelarts_client.create_pool(new_pool(modelarts_client, "fine"))

        def test_fails(respool, modelarts_client):
            modelarts_client.create_pool(new_pool(modelarts_client, "logged-pool"))
            assert False, "on purpose"
    ''')
    result = run()
    result.assert_outcomes(passed=1, failed=1)
    out = result.stdout.str()
    assert "respool server log (call;" in out
    section = out[out.index("respool server log (call;"):]
    # The lines of this test (its POST), not those of the test before.
    assert "method=POST path=/v2/" in section, section[:2000]
    assert section.count("path=/v2/") == 1, section[:3000]


def test_respool_keep_keeps_the_data_of_failed_tests_only(pytester, run):
    pytester.makepyfile(test_inner='''
        import pytest
        from helpers import record

        @pytest.mark.respool(timing="fast")
        def test_fails(respool):
            record(respool, outcome="failed")
            assert False

        @pytest.mark.respool(timing="fast")
        def test_passes(respool):
            record(respool, outcome="passed")
    ''')
    result = run("--respool-keep")
    result.assert_outcomes(passed=1, failed=1)
    by_outcome = {r["outcome"]: r for r in seen(pytester)}
    kept = Path(by_outcome["failed"]["root"])
    assert (kept / "server.log").is_file() and (kept / "data" / "respool.db").is_file()
    assert f"kept the data and log of a failed test's server: {kept}" in result.stdout.str()
    assert not Path(by_outcome["passed"]["root"]).exists()

    # Without the option nothing is kept.
    (pytester.path / "seen.jsonl").unlink()
    run().assert_outcomes(passed=1, failed=1)
    assert_all_gone(seen(pytester))


def test_respool_bin_runs_another_binary(pytester, run, tmp_path):
    fake = tmp_path / "fake-respool"
    fake.write_text("#!/bin/sh\necho 'fake respool refuses to start' >&2\nexit 3\n")
    fake.chmod(0o755)
    pytester.makepyfile(test_inner='''
        def test_needs_a_server(respool):
            pass
    ''')
    result = run(f"--respool-bin={fake}")
    result.assert_outcomes(errors=1)
    out = result.stdout.str()
    assert "RespoolError" in out and "fake respool refuses to start" in out
    assert "exited with status 3" in out


def test_no_server_or_data_remains_after_a_raise_or_an_interrupt(pytester, run):
    pytester.makepyfile(test_inner='''
        import pytest
        from helpers import record

        def test_raises(respool):
            record(respool)
            raise RuntimeError("boom")

        @pytest.mark.respool(timing="fast")
        def test_own_server_then_interrupted(respool, respool_server):
            record(respool)
            record(respool_server)
            raise KeyboardInterrupt

        def test_never_runs(respool):
            record(respool)
    ''')
    result = run()
    assert "KeyboardInterrupt" in result.stdout.str()
    result.assert_outcomes(failed=1)
    records = seen(pytester)
    assert len(records) == 3  # the third test never ran
    assert len({r["pid"] for r in records}) == 2
    assert_all_gone(records)


def test_parallel_workers_do_not_see_each_others_pools(pytester, run):
    pytest.importorskip("xdist")
    pytester.makepyfile(test_inner='''
        import time
        import pytest
        from helpers import new_pool, names, record

        @pytest.mark.parametrize("n", range(4))
        def test_pools(respool, modelarts_client, n):
            name = modelarts_client.create_pool(new_pool(modelarts_client, f"par-{n}")).metadata.name
            time.sleep(0.3)  # the other worker creates its pool meanwhile
            assert names(modelarts_client) == [name]
            record(respool, n=n)
    ''')
    run("-n", "2").assert_outcomes(passed=4)
    records = seen(pytester)
    workers = {r["worker"] for r in records}
    assert workers == {"gw0", "gw1"}, records
    endpoint_of = {}
    for r in records:
        endpoint_of.setdefault(r["worker"], set()).add(r["endpoint"])
    assert all(len(e) == 1 for e in endpoint_of.values())
    assert endpoint_of["gw0"] != endpoint_of["gw1"]
    assert_all_gone(records)


def test_unknown_marker_arguments_are_a_usage_error(pytester, run):
    pytester.makepyfile(test_inner='''
        import pytest

        @pytest.mark.respool(timming="fast")
        def test_typo(respool):
            pass
    ''')
    result = run()
    assert result.ret != 0
    assert "unknown argument(s) timming" in result.stdout.str() + result.stderr.str()
