//! One module per resource; each handler decodes, calls the domain, stores, answers.

pub mod admin;
pub mod events;
pub mod flavors;
pub mod jobs;
pub mod networks;
pub mod node_ops;
pub mod nodes;
pub mod orders;
pub mod pools;
pub mod scheduled_events;
pub mod stats;
pub mod system;
pub mod tags;
pub mod workspaces;
