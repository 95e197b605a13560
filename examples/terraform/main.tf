# A complete configuration for respool: a workspace, a network, a pool with
# two node pools, a node locked and one rebooted, and every ModelArts data
# source the provider has for pools. Start respool as docs/terraform.md says
# (`respool serve --timing fast` with the credential below), then
# `terraform init && terraform apply`.

terraform {
  required_providers {
    huaweicloud = {
      source = "huaweicloud/huaweicloud"
    }
  }
}

variable "endpoint" {
  description = "respool's address, with a trailing slash"
  default     = "http://127.0.0.1:8787/"
}

variable "access_key" {
  default = "MYAK0000000000000001"
}

variable "secret_key" {
  default   = "mysecret"
  sensitive = true
}

variable "project_id" {
  default = "0123456789abcdef0123456789abcdef"
}

variable "domain_id" {
  default = "d0000000000000000000000000000001"
}

provider "huaweicloud" {
  region     = "local-1"
  access_key = var.access_key
  secret_key = var.secret_key
  project_id = var.project_id
  domain_id  = var.domain_id
  auth_url   = "${var.endpoint}v3"

  skip_check_website_type = true
  skip_check_upgrade      = true

  endpoints = {
    modelarts = var.endpoint
  }
}

resource "huaweicloud_modelarts_workspace" "team" {
  name        = "tf-team"
  description = "created by terraform"
}

resource "huaweicloud_modelarts_network" "net" {
  name = "network-tf-example"
  cidr = "192.168.128.0/17"
}

resource "huaweicloud_modelarts_resource_pool" "train" {
  name         = "tf-example"
  description  = "two node pools"
  scope        = ["Train", "Infer"]
  workspace_id = huaweicloud_modelarts_workspace.team.id
  network_id   = huaweicloud_modelarts_network.net.id

  resources {
    flavor_id = "modelarts.vm.cpu.4ud"
    count     = 2
    node_pool = "small"
  }

  resources {
    flavor_id = "modelarts.vm.cpu.8ud"
    count     = 1
    node_pool = "large"
  }
}

data "huaweicloud_modelartsv2_resource_pool_nodes" "train" {
  resource_pool_name = huaweicloud_modelarts_resource_pool.train.id
}

locals {
  node_names = [for n in data.huaweicloud_modelartsv2_resource_pool_nodes.train.nodes : n.metadata[0].name]
}

# Keeps the first node from being removed by a scale-down.
resource "huaweicloud_modelartsv2_node_batch_lock" "first" {
  pool_id    = huaweicloud_modelarts_resource_pool.train.id
  node_names = [local.node_names[0]]
}

# Reboots the last node and waits for the reboot job to succeed.
resource "huaweicloud_modelartsv2_node_batch_reboot" "last" {
  resource_pool_name = huaweicloud_modelarts_resource_pool.train.id
  node_names         = [local.node_names[length(local.node_names) - 1]]
}

data "huaweicloud_modelartsv2_resource_pools" "all" {
  depends_on = [huaweicloud_modelarts_resource_pool.train]
}

data "huaweicloud_modelarts_resource_flavors" "all" {}

data "huaweicloud_modelarts_networks" "all" {
  depends_on = [huaweicloud_modelarts_network.net]
}

data "huaweicloud_modelarts_workspaces" "all" {
  depends_on = [huaweicloud_modelarts_workspace.team]
}

data "huaweicloud_modelartsv2_plugins" "train" {
  pool_id = huaweicloud_modelarts_resource_pool.train.id
}

data "huaweicloud_modelartsv2_resource_pool_workloads" "train" {
  pool_id = huaweicloud_modelarts_resource_pool.train.id
}

data "huaweicloud_modelarts_workspace_quotas" "team" {
  workspace_id = huaweicloud_modelarts_workspace.team.id
}

output "pool_id" {
  value = huaweicloud_modelarts_resource_pool.train.id
}

output "pool_status" {
  value = huaweicloud_modelarts_resource_pool.train.status
}

output "nodes" {
  value = local.node_names
}

output "pools" {
  value = [for p in data.huaweicloud_modelartsv2_resource_pools.all.resource_pools : p.name]
}

output "flavors" {
  value = length(data.huaweicloud_modelarts_resource_flavors.all.flavors)
}

output "networks" {
  value = length(data.huaweicloud_modelarts_networks.all.networks)
}

output "workspaces" {
  value = length(data.huaweicloud_modelarts_workspaces.all.workspaces)
}

output "plugins" {
  value = [for p in data.huaweicloud_modelartsv2_plugins.train.plugins : p.metadata[0].name]
}

output "workloads" {
  value = length(data.huaweicloud_modelartsv2_resource_pool_workloads.train.workloads)
}

output "workspace_quotas" {
  value = { for q in data.huaweicloud_modelarts_workspace_quotas.team.quotas : q.resource => q.quota }
}
