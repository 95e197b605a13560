//! Races, throttling and attacks on authentication: every one refused
//! cleanly, nothing lost, nothing revealed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use respool_core::identity::Credential;
use respool_core::time::wall_ms;
use respool_core::timing::TimingProfile;
use respool_server::ratelimit::RateLimit;
use respool_sign::format_sdk_date;
use respool_testkit::{pool_body, pool_name, Options, TestServer, AK, PROJECT, SK};
use serde_json::json;

#[tokio::test]
async fn fifty_concurrent_creates_of_one_name_give_exactly_one_200() {
    let s = Arc::new(TestServer::start(TimingProfile::Fast).await);
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let r = s
                .call(
                    "POST",
                    &s.pools_path(),
                    &[],
                    Some(&pool_body("pool-race", 1)),
                )
                .await;
            (r.status, r.body)
        }));
    }
    let mut ok = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            200 => ok += 1,
            409 => assert_eq!(body["error_code"], "ModelArts.50015000"),
            other => panic!("{other}: {body}"),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(s.list_names(&[]).await, vec![pool_name("pool-race")]);
}

#[tokio::test]
async fn concurrent_patches_never_lose_an_update() {
    let s = Arc::new(TestServer::start(TimingProfile::Immediate).await);
    s.create_pool("pool-patched", 1).await;
    let path = format!("{}/{}", s.pools_path(), pool_name("pool-patched"));
    let mut tasks = Vec::new();
    for i in 0..24 {
        let (s, path) = (s.clone(), path.clone());
        tasks.push(tokio::spawn(async move {
            let patch = json!({"metadata": {"labels": {format!("writer-{i}"): "done"}}});
            let r = s.call("PATCH", &path, &[], Some(&patch)).await;
            (i, r.status, r.body)
        }));
    }
    let mut applied = Vec::new();
    for t in tasks {
        let (i, status, body) = t.await.unwrap();
        match status {
            200 => applied.push(i),
            409 => assert_eq!(body["error_code"], "ModelArts.50004090", "{body}"),
            other => panic!("{other}: {body}"),
        }
    }
    assert!(!applied.is_empty());
    let labels = &s.show(&pool_name("pool-patched")).await.body["metadata"]["labels"];
    for i in applied {
        assert_eq!(
            labels[format!("writer-{i}")],
            "done",
            "writer {i} was answered 200 but its change is gone"
        );
    }
}

#[tokio::test]
async fn each_access_key_is_throttled_with_429_on_its_own() {
    let s = TestServer::with(Options {
        rate_limit: Some(RateLimit {
            per_second: 1.0,
            burst: 5.0,
        }),
        ..Default::default()
    })
    .await;
    for _ in 0..5 {
        assert_eq!(s.list(&[]).await.status, 200);
    }
    let r = s.list(&[]).await;
    let msg = r.assert_error(429, "APIGW.0308");
    assert!(msg.contains("throttling"), "{msg}");
    // Another caller is not held back by the first.
    let other = Credential::generate(respool_testkit::DOMAIN, vec![PROJECT.into()], wall_ms());
    s.store.insert_credential(&other).await.unwrap();
    let r = s
        .call_as(
            &other.access_key,
            &other.secret_key,
            "GET",
            &s.pools_path(),
            &[],
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 200);
    // Health checks are never throttled.
    for _ in 0..20 {
        assert_eq!(
            s.raw(s.http.get(format!("{}/healthz", s.base)))
                .await
                .status,
            200
        );
    }
}

#[tokio::test]
async fn traversal_and_double_encoding_in_names_find_nothing() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    s.create_pool("pool-real", 1).await;
    let other = "fedcba9876543210fedcba9876543210";
    for name in [
        "..%2F..%2Fpools",
        "%2e%2e",
        "%252e%252e%252fpool-real",
        "pool-real%00",
        "pool-real%2F..",
        "..",
        ".",
    ] {
        let r = s
            .call("GET", &format!("{}/{name}", s.pools_path()), &[], None)
            .await;
        // 401 where the HTTP client itself resolved the dots, so what was sent
        // is not what was signed.
        assert!(
            matches!(r.status, 400 | 401 | 404),
            "{name}: {} {}",
            r.status,
            r.text
        );
        assert!(r.body["error_code"].is_string(), "{name}: {}", r.text);
        assert!(
            !r.text.contains("pool-real-"),
            "{name} reached a real pool: {}",
            r.text
        );
    }
    // Walking out of the project in the path does not reach another project.
    let r = s
        .call("GET", &format!("/v2/{PROJECT}/../{other}/pools"), &[], None)
        .await;
    assert!(matches!(r.status, 400 | 401 | 403 | 404), "{}", r.status);
    assert!(!r.text.contains("items"));
}

#[tokio::test]
async fn duplicated_or_oversized_auth_headers_are_401() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let date = format_sdk_date(wall_ms() / 1000);
    let url = format!("{}{}", s.base, s.pools_path());
    let (auth, headers) = s.sign_list(&date, &[]);
    let base = || {
        let mut r = s.http.get(&url);
        for (k, v) in &headers {
            r = r.header(k, v);
        }
        r
    };
    assert_eq!(
        s.raw(base().header("Authorization", &auth)).await.status,
        200
    );
    // A second date (which one would be checked?) and a second signature.
    s.raw(
        base()
            .header("Authorization", &auth)
            .header("X-Sdk-Date", "20200101T000000Z"),
    )
    .await
    .assert_error(401, "APIGW.0301");
    s.raw(
        base()
            .header("Authorization", &auth)
            .header("Authorization", &auth),
    )
    .await
    .assert_error(401, "APIGW.0301");
    // SignedHeaders with more names than any client sends.
    let names: Vec<String> = (0..80).map(|i| format!("x-h{i}")).collect();
    let long = auth.replace(
        "SignedHeaders=host;x-sdk-date",
        &format!("SignedHeaders=host;{};x-sdk-date", names.join(";")),
    );
    s.raw(base().header("Authorization", long))
        .await
        .assert_error(401, "APIGW.0301");
    // A signed header value swapped after signing.
    let (auth2, _) = s.sign_list(&date, &[("X-Project-Id", PROJECT)]);
    s.raw(
        base()
            .header("Authorization", auth2)
            .header("X-Project-Id", "0123456789abcdef0123456789abcdee"),
    )
    .await
    .assert_error(403, "APIGW.0302");
}

/// Median duration of `n` runs of `f`.
async fn median<F, Fut>(n: usize, mut f: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f().await;
        times.push(t.elapsed());
    }
    times.sort();
    times[n / 2]
}

#[tokio::test]
async fn unknown_and_known_access_keys_take_alike_to_refuse() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let path = s.pools_path();
    // Warm up, then alternate the two kinds so machine noise hits both alike.
    for _ in 0..20 {
        s.call_as("UNKNOWNACCESSKEY0001", SK, "GET", &path, &[], None, &[])
            .await;
        s.call_as(AK, "wrong-secret", "GET", &path, &[], None, &[])
            .await;
    }
    let mut unknown = Vec::new();
    let mut known = Vec::new();
    for _ in 0..5 {
        unknown.push(
            median(40, || async {
                let r = s
                    .call_as("UNKNOWNACCESSKEY0001", SK, "GET", &path, &[], None, &[])
                    .await;
                assert_eq!(r.status, 401);
            })
            .await,
        );
        known.push(
            median(40, || async {
                let r = s
                    .call_as(AK, "wrong-secret", "GET", &path, &[], None, &[])
                    .await;
                assert_eq!(r.status, 401);
            })
            .await,
        );
    }
    unknown.sort();
    known.sort();
    let (u, k) = (unknown[2].as_secs_f64(), known[2].as_secs_f64());
    let ratio = u / k;
    assert!(
        (0.5..2.0).contains(&ratio),
        "unknown {u:.6}s vs known {k:.6}s (ratio {ratio:.2})"
    );
}
