//! Calls for one resource each, as `TestServer` methods: the set-up and
//! reads that tests of that resource (and of others) share.

mod node_ops;
mod node_pools;
mod orders_events;
mod plugins;
mod quotas;
mod workloads;
