import pytest
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


def phase(client, pool):
    return client.show_pool(m.ShowPoolRequest(pool_name=pool)).status.phase


def test_a_pool_runs_once_its_nodes_are_created(respool, modelarts_client):
    pool = modelarts_client.create_pool(new_pool(modelarts_client, "train-a", count=2)).metadata.name
    assert phase(modelarts_client, pool) == "Creating"
    respool.advance(720)  # the manual clock: nodes take 720 s to create
    assert phase(modelarts_client, pool) == "Running"
    created = modelarts_client.list_pools(m.ListPoolsRequest(
        status="created", label_selector="os.modelarts/name in (train-a, train-b)"))
    assert [p.metadata.name for p in created.items] == [pool]


def test_each_test_starts_from_an_empty_server(modelarts_client):
    assert modelarts_client.list_pools(m.ListPoolsRequest()).items == []


@pytest.mark.respool(faults=[{"selector": "os.modelarts/name=doomed", "effect": "creation-fails"}])
def test_a_fault_fails_the_creation(respool, modelarts_client):
    pool = modelarts_client.create_pool(new_pool(modelarts_client, "doomed")).metadata.name
    respool.advance(720)
    assert phase(modelarts_client, pool) == "CreationFailed"
    failed = modelarts_client.list_pools(m.ListPoolsRequest(status="failed"))
    assert [p.metadata.name for p in failed.items] == [pool]


@pytest.mark.respool(seed="scenario.yaml")
def test_a_scenario_file(respool, modelarts_client):
    ml = modelarts_client.list_pools(m.ListPoolsRequest(label_selector="team=ml"))
    assert sorted(p.metadata.name for p in ml.items) == [
        f"train-a-{respool.project_id}", f"train-b-{respool.project_id}"]
    respool.advance(720)
    assert phase(modelarts_client, f"train-a-{respool.project_id}") == "Running"
