//! The PostgreSQL the storage, replica and crash tests use.

/// `RESPOOL_TEST_POSTGRES`, else the local server `scripts/test` starts.
pub fn postgres_url() -> String {
    std::env::var("RESPOOL_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A migrated schema of the test's own (its URL selects it), dropped when
/// the returned value is, at the end of the test.
pub async fn scratch_schema(prefix: &str) -> respool_store::ScratchSchema {
    let (schema, store) = respool_store::ScratchSchema::create(&postgres_url(), prefix)
        .await
        .expect("PostgreSQL must be running for this test (see scripts/test)");
    drop(store);
    schema
}
