//! Signatures, tokens and tenant isolation, as the API gateway enforces them.

use respool_core::identity::{hash_password, Credential, User};
use respool_core::time::wall_ms;
use respool_core::timing::TimingProfile;
use respool_server::AuthMode;
use respool_sign::{format_sdk_date, sign, ClientRequest};
use respool_testkit::{pool_body, pool_name, Options, TestServer, AK, OTHER_PROJECT, PROJECT, SK};
use serde_json::json;

async fn add_credential(s: &TestServer, projects: &[&str]) -> Credential {
    let c = Credential::generate(
        respool_testkit::DOMAIN,
        projects.iter().map(|p| p.to_string()).collect(),
        wall_ms(),
    );
    s.store.insert_credential(&c).await.unwrap();
    c
}

#[tokio::test]
async fn right_keys_work_for_every_pool_call() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    s.create_pool("pool-auth", 1).await;
    let name = pool_name("pool-auth");
    let one = format!("{}/{name}", s.pools_path());
    assert_eq!(
        s.list(&[("labelSelector", "os.modelarts/name=pool-auth")])
            .await
            .status,
        200
    );
    assert_eq!(s.show(&name).await.status, 200);
    let patch = json!({"metadata": {"annotations": {"os.modelarts/description": "signed"}}});
    assert_eq!(s.call("PATCH", &one, &[], Some(&patch)).await.status, 200);
    assert_eq!(s.call("DELETE", &one, &[], None).await.status, 200);
}

#[tokio::test]
async fn a_wrong_secret_or_unknown_key_is_401_saying_which() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let path = s.pools_path();
    let r = s
        .call_as(AK, "wrong-secret", "GET", &path, &[], None, &[])
        .await;
    let msg = r.assert_error(401, "APIGW.0301");
    assert!(msg.contains("signature"), "{msg}");
    let r = s
        .call_as("UNKNOWNKEY0000000000", SK, "GET", &path, &[], None, &[])
        .await;
    let msg = r.assert_error(401, "APIGW.0301");
    assert!(msg.contains("unknown access key"), "{msg}");
    let r = s.raw(s.http.get(format!("{}{path}", s.base))).await;
    let msg = r.assert_error(401, "APIGW.0301");
    assert!(msg.contains("no credentials"), "{msg}");
    let r = s
        .raw(
            s.http
                .get(format!("{}{path}", s.base))
                .header("Authorization", "SDK-HMAC-SHA256 garbage"),
        )
        .await;
    r.assert_error(401, "APIGW.0301");
}

#[tokio::test]
async fn dates_outside_fifteen_minutes_are_refused_and_resends_inside_accepted() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let now = wall_ms() / 1000;
    for skew in [-16 * 60, 16 * 60] {
        let r = s
            .raw(s.signed_list_request(&format_sdk_date(now + skew), &[]))
            .await;
        let msg = r.assert_error(401, "APIGW.0301");
        assert!(msg.contains("X-Sdk-Date"), "{msg}");
    }
    let r = s
        .raw(s.signed_list_request(&format_sdk_date(now - 14 * 60), &[]))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // A byte-identical resend (the SDK's 429 retry) is accepted.
    let date = format_sdk_date(now);
    for _ in 0..2 {
        assert_eq!(s.raw(s.signed_list_request(&date, &[])).await.status, 200);
    }
}

#[tokio::test]
async fn another_projects_paths_are_403_and_reveal_nothing() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    s.create_pool("pool-mine", 1).await;
    let other = add_credential(&s, &[OTHER_PROJECT]).await;
    // The other tenant, on my project: existing and missing pools answer alike.
    let mine = format!("{}/{}", s.pools_path(), pool_name("pool-mine"));
    let missing = format!("{}/nope", s.pools_path());
    let a = s
        .call_as(
            &other.access_key,
            &other.secret_key,
            "GET",
            &mine,
            &[],
            None,
            &[],
        )
        .await;
    let b = s
        .call_as(
            &other.access_key,
            &other.secret_key,
            "GET",
            &missing,
            &[],
            None,
            &[],
        )
        .await;
    let (ma, mb) = (
        a.assert_error(403, "APIGW.0302").to_owned(),
        b.assert_error(403, "APIGW.0302").to_owned(),
    );
    assert_eq!(ma, mb);
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
    r.assert_error(403, "APIGW.0302");
    // Its own project is empty.
    let r = s
        .call_as(
            &other.access_key,
            &other.secret_key,
            "GET",
            &format!("/v2/{OTHER_PROJECT}/pools"),
            &[],
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["items"], json!([]));
}

#[tokio::test]
async fn an_x_project_id_that_disagrees_with_the_path_is_403() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let r = s
        .call_as(
            AK,
            SK,
            "GET",
            &s.pools_path(),
            &[],
            None,
            &[("X-Project-Id", OTHER_PROJECT)],
        )
        .await;
    r.assert_error(403, "APIGW.0302");
    let r = s
        .call_as(
            AK,
            SK,
            "GET",
            &s.pools_path(),
            &[],
            None,
            &[("X-Project-Id", PROJECT)],
        )
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn a_signature_made_for_another_host_is_refused() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let date = format_sdk_date(wall_ms() / 1000);
    let path = s.pools_path();
    // Signed for another host, sent to this one.
    let headers = [("Host", "evil.example:80"), ("X-Sdk-Date", date.as_str())];
    let auth = sign(
        &ClientRequest {
            method: "GET",
            path: &path,
            query: &[],
            headers: &headers,
            body: b"",
        },
        AK,
        SK.as_bytes(),
    )
    .unwrap();
    let r = s
        .raw(
            s.http
                .get(format!("{}{path}", s.base))
                .header("Authorization", &auth)
                .header("X-Sdk-Date", &date),
        )
        .await;
    r.assert_error(401, "APIGW.0301");
    // A signature may leave the host out (the Terraform provider's golangsdk
    // never signs it), but this one was made over a host: it does not verify.
    let stripped = auth.replace("SignedHeaders=host;x-sdk-date", "SignedHeaders=x-sdk-date");
    let r = s
        .raw(
            s.http
                .get(format!("{}{path}", s.base))
                .header("Authorization", stripped)
                .header("X-Sdk-Date", &date),
        )
        .await;
    let msg = r.assert_error(401, "APIGW.0301");
    assert!(msg.contains("signature mismatch"), "{msg}");
}

#[tokio::test]
async fn tokens_work_until_their_key_is_revoked_and_only_for_their_project() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let token = s.token(AK, SK, PROJECT).await;
    let url = format!("{}{}", s.base, s.pools_path());
    let r = s
        .raw(
            s.http
                .post(&url)
                .header("X-Auth-Token", &token)
                .json(&pool_body("pool-token", 1)),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = s.raw(s.http.get(&url).header("X-Auth-Token", &token)).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body["items"][0]["metadata"]["labels"]["os.modelarts/name"],
        "pool-token"
    );

    let r = s
        .raw(
            s.http
                .get(format!("{}/v2/{OTHER_PROJECT}/pools", s.base))
                .header("X-Auth-Token", &token),
        )
        .await;
    r.assert_error(403, "APIGW.0302");
    let r = s
        .raw(
            s.http
                .get(&url)
                .header("X-Auth-Token", "MIIrespool.garbage.00"),
        )
        .await;
    r.assert_error(401, "APIGW.0301");
    // Change the MAC's last digit (to another digit, whatever it was).
    let last = if token.ends_with('0') { '1' } else { '0' };
    let tampered = format!("{}{last}", &token[..token.len() - 1]);
    let r = s
        .raw(s.http.get(&url).header("X-Auth-Token", tampered))
        .await;
    r.assert_error(401, "APIGW.0301");

    assert!(s.store.revoke_credential(AK).await.unwrap());
    let r = s.raw(s.http.get(&url).header("X-Auth-Token", &token)).await;
    r.assert_error(401, "APIGW.0301");
}

/// Signed requests read credentials through a cache trusted for one
/// second: a key revoked or created behind the server's back (the CLI,
/// another replica) is refused or accepted within that, and not later.
#[tokio::test]
async fn keys_revoked_or_created_elsewhere_take_effect_within_a_second() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let c = add_credential(&s, &[PROJECT]).await;
    let pools = s.pools_path();
    let list = || s.call_as(&c.access_key, &c.secret_key, "GET", &pools, &[], None, &[]);
    assert_eq!(list().await.status, 200);
    assert!(s.store.revoke_credential(&c.access_key).await.unwrap());
    let revoked = std::time::Instant::now();
    while list().await.status == 200 {
        assert!(
            revoked.elapsed() < std::time::Duration::from_secs(2),
            "still accepted"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    list().await.assert_error(401, "APIGW.0301");

    // An unknown key is remembered as unknown for as long, then found.
    let late = Credential::generate(respool_testkit::DOMAIN, vec![PROJECT.to_owned()], wall_ms());
    let call = || {
        s.call_as(
            &late.access_key,
            &late.secret_key,
            "GET",
            &pools,
            &[],
            None,
            &[],
        )
    };
    call().await.assert_error(401, "APIGW.0301");
    s.store.insert_credential(&late).await.unwrap();
    let created = std::time::Instant::now();
    while call().await.status != 200 {
        assert!(
            created.elapsed() < std::time::Duration::from_secs(2),
            "still refused"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn token_requests_check_keys_passwords_and_scope() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let url = format!("{}/v3/auth/tokens", s.base);
    let ak_sk = |sk: &str, scope: serde_json::Value| json!({"auth": {"identity": {"methods": ["hw_ak_sk"], "hw_ak_sk": {"access": {"key": AK}, "secret": {"key": sk}}}, "scope": {"project": scope}}});
    // By project name: the region's name.
    let r = s
        .raw(
            s.http
                .post(&url)
                .json(&ak_sk(SK, json!({"name": "local-1"}))),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(r.headers.contains_key("x-subject-token"));
    assert_eq!(r.body["token"]["project"]["id"], PROJECT);
    assert!(r.body["token"]["expires_at"].is_string());
    assert_eq!(r.body["token"]["catalog"][0]["type"], "modelarts");
    let r = s
        .raw(
            s.http
                .post(&url)
                .json(&ak_sk("nope", json!({"id": PROJECT}))),
        )
        .await;
    r.assert_error(401, "APIGW.0301");
    let r = s
        .raw(
            s.http
                .post(&url)
                .json(&ak_sk(SK, json!({"id": OTHER_PROJECT}))),
        )
        .await;
    r.assert_error(403, "APIGW.0302");

    s.store
        .insert_user(&User {
            name: "alice".into(),
            password_hash: hash_password("s3cret-pass"),
            domain_id: respool_testkit::DOMAIN.into(),
            project_ids: vec![PROJECT.into()],
            created_ms: 0,
        })
        .await
        .unwrap();
    let password = |pw: &str| json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "alice", "password": pw, "domain": {"name": "d"}}}}, "scope": {"project": {"id": PROJECT}}}});
    let r = s
        .raw(s.http.post(&url).json(&password("s3cret-pass")))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let token = r.headers["x-subject-token"].to_str().unwrap().to_owned();
    let r = s
        .raw(
            s.http
                .get(format!("{}{}", s.base, s.pools_path()))
                .header("X-Auth-Token", token),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = s.raw(s.http.post(&url).json(&password("wrong"))).await;
    r.assert_error(401, "APIGW.0301");
}

#[tokio::test]
async fn temporary_credentials_need_their_token_and_expire() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let mut temp = Credential::generate(respool_testkit::DOMAIN, vec![PROJECT.into()], wall_ms());
    temp.security_token = Some("sts-token-value".into());
    temp.expires_ms = Some(wall_ms() + 60_000);
    s.store.insert_credential(&temp).await.unwrap();
    let path = s.pools_path();
    let r = s
        .call_as(
            &temp.access_key,
            &temp.secret_key,
            "GET",
            &path,
            &[],
            None,
            &[],
        )
        .await;
    r.assert_error(401, "APIGW.0301");
    let r = s
        .call_as(
            &temp.access_key,
            &temp.secret_key,
            "GET",
            &path,
            &[],
            None,
            &[("X-Security-Token", "sts-token-value")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    let mut old = Credential::generate(respool_testkit::DOMAIN, vec![PROJECT.into()], wall_ms());
    old.expires_ms = Some(wall_ms() - 1);
    s.store.insert_credential(&old).await.unwrap();
    let r = s
        .call_as(
            &old.access_key,
            &old.secret_key,
            "GET",
            &path,
            &[],
            None,
            &[],
        )
        .await;
    let msg = r.assert_error(401, "APIGW.0301");
    assert!(msg.contains("expired"), "{msg}");
}

#[tokio::test]
async fn log_mode_serves_bad_signatures_and_off_mode_serves_anything() {
    for mode in [AuthMode::Log, AuthMode::Off] {
        let s = TestServer::with(Options {
            auth: mode,
            ..Default::default()
        })
        .await;
        let r = s
            .call_as(AK, "wrong-secret", "GET", &s.pools_path(), &[], None, &[])
            .await;
        assert_eq!(r.status, 200, "{mode:?}: {}", r.text);
        let r = s
            .raw(
                s.http
                    .post(format!("{}{}", s.base, s.pools_path()))
                    .json(&pool_body("pool-open", 1)),
            )
            .await;
        assert_eq!(r.status, 200, "{mode:?}: {}", r.text);
    }
}

#[tokio::test]
async fn a_body_changed_after_signing_is_refused() {
    let s = TestServer::start(TimingProfile::Immediate).await;
    let host = s.base.trim_start_matches("http://").to_owned();
    let date = format_sdk_date(wall_ms() / 1000);
    let path = s.pools_path();
    let body = serde_json::to_vec(&pool_body("pool-signed", 1)).unwrap();
    let headers = [
        ("Content-Type", "application/json"),
        ("Host", host.as_str()),
        ("X-Sdk-Date", date.as_str()),
    ];
    let auth = sign(
        &ClientRequest {
            method: "POST",
            path: &path,
            query: &[],
            headers: &headers,
            body: &body,
        },
        AK,
        SK.as_bytes(),
    )
    .unwrap();
    let tampered = serde_json::to_vec(&pool_body("pool-evil", 1)).unwrap();
    let r = s
        .raw(
            s.http
                .post(format!("{}{path}", s.base))
                .header("Authorization", &auth)
                .header("X-Sdk-Date", &date)
                .header("Content-Type", "application/json")
                .body(tampered),
        )
        .await;
    r.assert_error(401, "APIGW.0301");
    assert!(s.list_names(&[]).await.is_empty());
}
