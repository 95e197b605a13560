//! One module per resource; each handler decodes, calls the domain, stores, answers.

pub mod admin;
pub mod nodes;
pub mod pools;
pub mod system;
