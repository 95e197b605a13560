//! The respool domain: what a pool is, how it is validated, how it moves
//! through its lifecycle, and how label selectors pick pools. No HTTP, no SQL.

pub mod flavors;
pub mod selector;
