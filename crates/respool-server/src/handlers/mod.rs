//! One module per resource; each handler decodes, calls the domain, stores, answers.

pub mod pools;
pub mod system;
