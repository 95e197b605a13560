//! What the domain tests share: the environment a pool is created in.

use respool_core::flavors::Catalog;
use respool_core::pool::Env;
use respool_core::timing::TimingProfile;

/// The region and domain every domain test uses, on `timing`.
pub fn env(catalog: &Catalog, timing: TimingProfile) -> Env<'_> {
    Env {
        catalog,
        region: "local-1",
        domain_id: "d",
        timing,
    }
}
