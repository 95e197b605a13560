"""Plugins, plugin templates, driver upgrades and node configuration through
the official SDK, unchanged, on the manual clock (the server of test_lifecycle.py).
"""
import json

from huaweicloudsdkmodelarts.v1 import model as m

from test_lifecycle import (  # noqa: F401  (fixtures)
    NODE_CREATE, client, create, expect_error, nodes, server, show, unique,
)

PLUGIN_INSTALL = 180
PLUGIN_UPGRADE = 120
DRIVER = 480
GPU = "modelarts.vm.gpu.t4u8"


def install(client, pool, name, version=None, inputs=None):
    body = m.CreatePluginRequestBody(
        api_version="v2", kind="Plugin",
        spec=m.PluginSpec(template=m.Template(name=name, version=version, inputs=inputs)))
    return client.create_pool_plugin(m.CreatePoolPluginRequest(pool_name=pool, body=body))


def plugins(client, pool):
    return {p.metadata.name: p for p in
            client.list_pool_plugins(m.ListPoolPluginsRequest(pool_name=pool)).items}


def running_pool(server, client, flavor=None, driver=None):
    if flavor is None:
        name, _ = create(client)
    else:
        body = m.CreatePoolRequestBody(
            api_version="v2", kind="Pool",
            metadata=m.PoolMetadataCreation(labels=m.PoolLabelsCreation(
                os_modelarts_name=unique(), os_modelarts_workspace_id="0")),
            spec=m.PoolSpecCreation(
                type="Dedicate", scope=["Train"],
                resources=[m.PoolResourceFlavor(flavor=flavor, count=2)],
                network=m.PoolSpecCreationNetwork(name="net-life"), driver=driver))
        name = client.create_pool(m.CreatePoolRequest(body=body)).metadata.name
    server.advance(NODE_CREATE)
    return name


def test_templates_list_with_filters_and_show_by_name(server, client):
    r = client.list_plugin_templates(m.ListPluginTemplatesRequest())
    names = [t.metadata.name for t in r.items]
    for n in ("gpu-driver", "npu-driver", "volcano", "gpu-beta", "huawei-npu", "node-local-dns"):
        assert n in names
    volcano = next(t for t in r.items if t.metadata.name == "volcano")
    assert volcano.spec.type == "ccePlugin"
    assert volcano.spec.versions[0].version == "1.18.3"
    assert volcano.spec.versions[0].inputs["replicas"]["type"] == "integer"

    r = client.list_plugin_templates(m.ListPluginTemplatesRequest(template_name="npu-driver"))
    assert [t.metadata.name for t in r.items] == ["npu-driver"]

    pool = running_pool(server, client)
    r = client.list_plugin_templates(m.ListPluginTemplatesRequest(pool_name=pool))
    names = [t.metadata.name for t in r.items]
    assert "volcano" in names and "gpu-driver" not in names

    t = client.show_plugin_template(m.ShowPluginTemplateRequest(plugintemplate_name="gpu-driver"))
    assert t.metadata.name == "gpu-driver"
    assert t.spec.type == "gpuDriver"
    assert t.spec.versions["515.65.01"].version == "515.65.01"
    expect_error(lambda: client.show_plugin_template(
        m.ShowPluginTemplateRequest(plugintemplate_name="nope")), 404, "ModelArts.50005101")


def test_install_and_upgrade_move_to_running(server, client):
    pool = running_pool(server, client)
    assert set(plugins(client, pool)) == {"volcano", "os-node-agent"}

    p = install(client, pool, "node-local-dns", "1.6.0", {"enable_dnsconfig_admission": True})
    assert (p.status.phase, p.status.version) == ("Pending", "1.6.0")
    assert json.loads(p.status.values) == {"enable_dnsconfig_admission": True}
    server.advance(PLUGIN_INSTALL)
    assert plugins(client, pool)["node-local-dns"].status.phase == "Running"

    p = install(client, pool, "volcano", "1.16.8")
    assert (p.status.phase, p.status.version) == ("Updating", "1.18.3")
    server.advance(PLUGIN_UPGRADE)
    v = plugins(client, pool)["volcano"]
    assert (v.status.phase, v.status.version) == ("Running", "1.16.8")
    assert v.spec.template.version == "1.16.8"

    for name, version, inputs in (("nope", None, None), ("volcano", "0.1", None),
                                  ("volcano", None, {"replicas": 7}), ("gpu-driver", None, None)):
        e = expect_error(lambda: install(client, pool, name, version, inputs),
                         400, "ModelArts.50004000")
        assert "spec.template" in e.error_msg
    expect_error(lambda: client.list_pool_plugins(m.ListPoolPluginsRequest(pool_name="ghost")),
                 404, "ModelArts.50015001")


def test_gpu_driver_install_and_spec_driver_move_nodes_and_pool(server, client):
    pool = running_pool(server, client, GPU, m.PoolDriver(gpu_version="510.47.03"))
    resp, _ = show(client, pool)
    assert (resp.status.driver.gpu.version, resp.status.driver.gpu.state) == ("510.47.03", "Running")

    p = install(client, pool, "gpu-driver", "515.65.01", {"updateStrategy": "force"})
    assert p.status.phase == "Pending"
    resp, _ = show(client, pool)
    assert (resp.status.driver.gpu.version, resp.status.driver.gpu.state) == ("510.47.03", "Upgrading")
    # The SDK does not model a node's driver: read it from the raw answer.
    items = json.loads(nodes(client, pool).raw_content)["items"]
    assert [n["status"]["driver"] for n in items] == [
        {"phase": "Upgrading", "version": "510.47.03"}] * 2
    server.advance(DRIVER)
    resp, _ = show(client, pool)
    assert (resp.status.driver.gpu.version, resp.status.driver.gpu.state) == ("515.65.01", "Running")
    assert plugins(client, pool)["gpu-driver"].status.phase == "Running"

    client.patch_pool(m.PatchPoolRequest(pool_name=pool, body=m.PoolUpdateRequest(
        spec=m.PoolSpecUpdate(driver=m.PoolDriver(gpu_version="470.182.03")))))
    resp, _ = show(client, pool)
    assert resp.status.driver.gpu.state == "Upgrading"
    assert plugins(client, pool)["gpu-driver"].status.phase == "Updating"
    server.advance(DRIVER)
    resp, _ = show(client, pool)
    assert (resp.status.driver.gpu.version, resp.status.driver.gpu.state) == ("470.182.03", "Running")


def test_node_config_and_templates(server, client):
    pool = running_pool(server, client)
    c = client.show_pool_node_config(m.ShowPoolNodeConfigRequest(pool_name=pool))
    assert (c.kind, c.metadata.name, c.status.phase) == ("NodeConfig", "node-config", "Running")
    assert c.spec.configs["drop_cache"] == {"mode": "disable"}

    t = client.show_pool_node_config_template(m.ShowPoolNodeConfigTemplateRequest(pool_name=pool))
    assert t.metadata.name == "node-config-template"
    assert t.spec.templates[0].configs["cpu_manager"]["options"] == ["none", "static"]

    f = client.show_node_config_template(
        m.ShowNodeConfigTemplateRequest(nodeconfigtemplate_name="modelarts.vm.cpu.4ud"))
    assert f.metadata.name == "modelarts.vm.cpu.4ud"
    assert f.spec.docker_base_size == 50
    assert f.spec.docker_lvm_config.docker_disk_type == "evs"
    assert [o.preferred for o in f.spec.os_list].count(True) == 1
    expect_error(lambda: client.show_node_config_template(
        m.ShowNodeConfigTemplateRequest(nodeconfigtemplate_name="nope")), 404, "ModelArts.50005101")
    expect_error(lambda: client.show_pool_node_config(
        m.ShowPoolNodeConfigRequest(pool_name="ghost")), 404, "ModelArts.50015001")
