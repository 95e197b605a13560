//! The respool domain: what a pool is, how it is validated, how it moves
//! through its lifecycle, and how label selectors pick pools. No HTTP, no SQL.

pub mod capacity;
mod error;
pub mod fault_rules;
pub mod flavors;
pub mod identity;
pub mod merge_patch;
pub mod monitoring;
pub mod network;
pub mod plugins;
pub mod pool;
pub mod selector;
pub mod tags;
pub mod time;
pub mod timing;
pub mod validate;
pub mod workspace;

pub use error::DomainError;
