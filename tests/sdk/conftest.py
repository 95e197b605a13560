"""pytest fixtures for the SDK suite; the machinery lives in harness.py."""
import shutil
import tempfile
from pathlib import Path

import pytest

from harness import ServerFarm, m, pool_body, respool_bin, unique_name


@pytest.fixture(scope="session")
def farm():
    respool_bin()  # fail early with a clear message
    root = Path(tempfile.mkdtemp(prefix="respool-sdk-tests-"))
    f = ServerFarm(root)
    try:
        yield f
    finally:
        f.stop_all()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def server(farm):
    """`immediate` timing, auth enforced."""
    return farm.get("immediate", "enforce")


@pytest.fixture(scope="session")
def fast_server(farm):
    """`fast` timing (2 s to create nodes, 2 s to delete), auth enforced."""
    return farm.get("fast", "enforce")


@pytest.fixture(scope="session")
def client(server):
    return server.client()


@pytest.fixture
def make_pool(server, client):
    """Create pools through the SDK; whatever a test leaves behind is deleted afterwards."""
    created = []

    def make(display=None, **kw):
        display = display or unique_name()
        resp = client.create_pool(m.CreatePoolRequest(body=pool_body(display, **kw)))
        created.append(resp.metadata.name)
        return resp

    yield make
    for name in created:
        try:
            client.delete_pool(m.DeletePoolRequest(pool_name=name))
        except Exception:
            pass
