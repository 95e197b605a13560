//! The test kit every crate's tests share: the real router ([`TestServer`])
//! or the real binary ([`Process`]) on real SQLite or PostgreSQL, requests
//! signed as the official SDK signs them, and the bodies tests seed with.
//!
//! It holds no assertions about behaviour; those stay in the tests.

mod bodies;
mod calls;
mod postgres;
mod process;
mod response;
mod router;
mod shape;
mod signing;
mod watch;

pub use bodies::{bucket, names, network_body, node_phases, pool_body, pool_name};
pub use postgres::{postgres_url, scratch_schema};
pub use process::{free_port, healthz_status, Process};
pub use response::Response;
pub use router::{walk, Options, TestServer, GO_USER_AGENT};
pub use shape::{shape, shape_naming};
pub use signing::{signed_request, Creds};
pub use watch::{event_key, WatchStream};

/// The project the test credential may use.
pub const PROJECT: &str = "0123456789abcdef0123456789abcdef";
/// A project the test credential may not use.
pub const OTHER_PROJECT: &str = "fedcba9876543210fedcba9876543210";
pub const DOMAIN: &str = "d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0";
pub const AK: &str = "TESTACCESSKEY0000001";
pub const SK: &str = "TestSecretKey000000000000000000000000000";
/// The admin token of servers started with the admin API on.
pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";
/// Seconds a node takes to be created on the manual clock (the realistic profile).
pub const NODE_CREATE: f64 = 720.0;
/// The flavor test pools are made of.
pub const FLAVOR: &str = "modelarts.vm.cpu.4ud";

/// The `respool` binary of the calling test crate (only the binary crate's
/// own tests have it).
#[macro_export]
macro_rules! respool_bin {
    () => {
        std::path::Path::new(env!("CARGO_BIN_EXE_respool"))
    };
}

#[cfg(test)]
mod tests {
    #[test]
    fn node_create_is_the_manual_profiles() {
        let d = respool_core::timing::TimingProfile::Manual.durations();
        assert_eq!(super::NODE_CREATE, d.node_create as f64 / 1000.0);
    }
}
