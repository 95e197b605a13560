"""Authentication (issue "signatures"): SDK AK/SK signatures, tokens, users,
revocation and the --auth modes, against the real binary."""
import time
from datetime import datetime, timedelta, timezone

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from harness import (OTHER_PROJECT_ID, PROJECT_ID, REGION, expect_client_error, m, pool_body,
                     signed_request, unique_name)

POOLS = f"/v2/{PROJECT_ID}/pools"
SDK_DATE = "%Y%m%dT%H%M%SZ"


def token_body(project_scope, ak, sk):
    return {"auth": {"identity": {"methods": ["hw_ak_sk"],
                                  "hw_ak_sk": {"access": {"key": ak}, "secret": {"key": sk}}},
                     "scope": {"project": project_scope}}}


def assert_gateway_error(r, status, code):
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert body["error_code"] == code, body
    assert body["error_msg"], body
    assert r.headers.get("X-Request-Id")
    return body["error_msg"]


@pytest.fixture(scope="module")
def second_credential(server):
    """An AK/SK bound to OTHER_PROJECT_ID only."""
    return server.create_credential(OTHER_PROJECT_ID)


# --------------------------------------------------------------------------- AK/SK via the SDK

def test_right_keys_work_for_every_pool_call(server):
    client = server.client()
    display = unique_name("auth")
    created = client.create_pool(m.CreatePoolRequest(body=pool_body(display)))
    name = created.metadata.name
    try:
        assert created.status_code == 200
        assert name in [p.metadata.name for p in client.list_pools(m.ListPoolsRequest()).items]
        assert client.show_pool(m.ShowPoolRequest(pool_name=name)).metadata.name == name
        patched = client.patch_pool(m.PatchPoolRequest(pool_name=name, body=m.PoolUpdateRequest(
            metadata=m.PoolMetadataUpdate(annotations=m.PoolMetadataUpdateAnnotations(
                os_modelarts_description="signed")))))
        assert patched.metadata.annotations.os_modelarts_description == "signed"
    finally:
        deleted = client.delete_pool(m.DeletePoolRequest(pool_name=name))
    assert deleted.status_code == 200 and deleted.metadata.deletion_timestamp


def test_query_parameters_are_signed_correctly(server):
    # spaces, '/', '=', '(' and ',' in the query all go through the canonical query string
    client = server.client()
    items = client.list_pools(m.ListPoolsRequest(
        workspace_id="0", status="created",
        label_selector="os.modelarts/name in (no-such-pool, other-pool)")).items
    assert items == []


def test_wrong_secret_key_is_401(server):
    client = server.client(sk="not-the-secret-key-000000000000000000000")
    e = expect_client_error(lambda: client.list_pools(m.ListPoolsRequest()), 401, "APIGW.0301")
    assert "signature" in e.error_msg.lower()


def test_unknown_access_key_is_401(server):
    client = server.client(ak="UNKNOWNACCESSKEY0000", sk="whatever-secret")
    e = expect_client_error(lambda: client.list_pools(m.ListPoolsRequest()), 401, "APIGW.0301")
    assert "access key" in e.error_msg.lower()


def test_other_projects_credential_is_403(server, second_credential):
    ak2, sk2 = second_credential
    owner = server.client()
    name = owner.create_pool(m.CreatePoolRequest(body=pool_body(unique_name("own")))).metadata.name
    try:
        intruder = server.client(ak=ak2, sk=sk2, project_id=PROJECT_ID)
        calls = [
            lambda: intruder.list_pools(m.ListPoolsRequest()),
            lambda: intruder.show_pool(m.ShowPoolRequest(pool_name=name)),
            lambda: intruder.create_pool(m.CreatePoolRequest(body=pool_body(unique_name("int")))),
            lambda: intruder.delete_pool(m.DeletePoolRequest(pool_name=name)),
        ]
        for call in calls:
            expect_client_error(call, 403, "APIGW.0302")
        # nothing happened to the pool
        assert owner.show_pool(m.ShowPoolRequest(pool_name=name)).metadata.name == name
        # the second credential works in its own project, which is empty
        own = server.client(ak=ak2, sk=sk2, project_id=OTHER_PROJECT_ID)
        assert own.list_pools(m.ListPoolsRequest()).items == []
    finally:
        owner.delete_pool(m.DeletePoolRequest(pool_name=name))


def test_stale_sdk_date_is_401(server):
    now = datetime.now(timezone.utc)
    fresh = signed_request(server, "GET", POOLS, sdk_date=now.strftime(SDK_DATE))
    assert fresh.status_code == 200, fresh.text  # the helper signs correctly
    old = (now - timedelta(minutes=20)).strftime(SDK_DATE)
    r = signed_request(server, "GET", POOLS, sdk_date=old)
    msg = assert_gateway_error(r, 401, "APIGW.0301")
    assert "date" in msg.lower() or "time" in msg.lower(), msg


def test_future_sdk_date_is_401(server):
    future = (datetime.now(timezone.utc) + timedelta(minutes=20)).strftime(SDK_DATE)
    assert_gateway_error(signed_request(server, "GET", POOLS, sdk_date=future), 401, "APIGW.0301")


def test_tampered_body_is_401(server):
    # sign one body, send another
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkcore.signer.signer import Signer
    import json
    body = {"apiVersion": "v2", "kind": "Pool"}
    req = SdkRequest(method="POST", schema="http", host=f"127.0.0.1:{server.port}",
                     resource_path=POOLS, query_params=[],
                     header_params={"Content-Type": "application/json", "X-Project-Id": PROJECT_ID},
                     body=json.dumps(body))
    Signer(BasicCredentials(server.access_key, server.secret_key, PROJECT_ID)).sign(req)
    r = server.http.post(server.endpoint + req.uri, headers=req.header_params,
                         data=json.dumps({**body, "kind": "Other"}), timeout=10)
    assert_gateway_error(r, 401, "APIGW.0301")


def test_credentials_without_project_id_are_refused(server):
    # Without a project id (and no region) the SDK sends the literal /v2/{project_id}/pools.
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
    from huaweicloudsdkmodelarts.v1 import ModelArtsClient
    client = (ModelArtsClient.new_builder()
              .with_credentials(BasicCredentials(server.access_key, server.secret_key))
              .with_endpoints([server.endpoint]).build())
    with pytest.raises(ClientRequestException) as ei:
        client.list_pools(m.ListPoolsRequest())
    assert 400 <= ei.value.status_code < 500
    assert ei.value.request_id


def test_unsigned_request_is_401_when_enforced(server):
    r = server.http.get(server.url(POOLS), timeout=10)
    assert_gateway_error(r, 401, "APIGW.0301")


def test_project_header_disagreeing_with_path_is_403(server):
    r = signed_request(server, "GET", POOLS, extra_headers={"X-Project-Id": OTHER_PROJECT_ID})
    assert_gateway_error(r, 403, "APIGW.0302")


# --------------------------------------------------------------------------- tokens

def _auth_headers(token):
    return {"X-Auth-Token": token, "Content-Type": "application/json"}


def _create_body(display):
    return {"apiVersion": "v2", "kind": "Pool",
            "metadata": {"labels": {"os.modelarts/name": display, "os.modelarts/workspace.id": "0"}},
            "spec": {"type": "Dedicate", "scope": ["Train"],
                     "resources": [{"flavor": "modelarts.vm.cpu.4ud", "count": 1}],
                     "network": {"name": "net-tok"}}}


@pytest.mark.parametrize("scope", [{"id": PROJECT_ID}, {"name": REGION}], ids=["by-id", "by-name"])
def test_token_works_for_list_and_create(server, scope):
    r = server.http.post(server.url("/v3/auth/tokens"),
                         json=token_body(scope, server.access_key, server.secret_key), timeout=10)
    assert r.status_code == 201, r.text
    token = r.headers["X-Subject-Token"]
    assert token
    display = unique_name("tok")
    created = server.http.post(server.url(POOLS), headers=_auth_headers(token),
                               json=_create_body(display), timeout=10)
    assert created.status_code == 200, created.text
    name = created.json()["metadata"]["name"]
    try:
        assert name == f"{display}-{PROJECT_ID}"
        listed = server.http.get(server.url(POOLS), headers=_auth_headers(token),
                                 params={"labelSelector": f"os.modelarts/name={display}"},
                                 timeout=10)
        assert listed.status_code == 200, listed.text
        assert [i["metadata"]["name"] for i in listed.json()["items"]] == [name]
    finally:
        d = server.http.delete(server.url(f"{POOLS}/{name}"), headers=_auth_headers(token),
                               timeout=10)
        assert d.status_code == 200, d.text


def test_token_by_unknown_project_name_is_refused(server):
    r = server.http.post(server.url("/v3/auth/tokens"),
                         json=token_body({"name": "no-such-region-9"}, server.access_key,
                                         server.secret_key), timeout=10)
    assert 400 <= r.status_code < 500 and r.status_code != 201, r.text
    assert "X-Subject-Token" not in r.headers


def test_token_with_wrong_secret_is_refused(server):
    r = server.http.post(server.url("/v3/auth/tokens"),
                         json=token_body({"id": PROJECT_ID}, server.access_key, "wrong-secret"),
                         timeout=10)
    assert r.status_code == 401, r.text
    assert "X-Subject-Token" not in r.headers


def test_token_for_project_a_is_403_on_project_b(server, second_credential):
    ak2, sk2 = second_credential
    token_b = server.token(scope={"project": {"id": OTHER_PROJECT_ID}}, ak=ak2, sk=sk2)
    ok = server.http.get(server.url(f"/v2/{OTHER_PROJECT_ID}/pools"),
                         headers=_auth_headers(token_b), timeout=10)
    assert ok.status_code == 200, ok.text
    r = server.http.get(server.url(POOLS), headers=_auth_headers(token_b), timeout=10)
    assert_gateway_error(r, 403, "APIGW.0302")
    token_a = server.token()
    r = server.http.get(server.url(f"/v2/{OTHER_PROJECT_ID}/pools"),
                        headers=_auth_headers(token_a), timeout=10)
    assert_gateway_error(r, 403, "APIGW.0302")


def test_garbage_token_is_401(server):
    r = server.http.get(server.url(POOLS), headers=_auth_headers("MIIgarbage-token-value"),
                        timeout=10)
    assert_gateway_error(r, 401, "APIGW.0301")


def test_password_method_with_a_cli_user(server):
    user, password = unique_name("user"), "Pa55word-" + unique_name("pw")
    server.cli("users", "create", user, "--password", password, "--project", PROJECT_ID)
    body = {"auth": {"identity": {"methods": ["password"],
                                  "password": {"user": {"name": user, "password": password,
                                                        "domain": {"name": "x"}}}},
                     "scope": {"project": {"id": PROJECT_ID}}}}
    r = server.http.post(server.url("/v3/auth/tokens"), json=body, timeout=10)
    assert r.status_code == 201, r.text
    token = r.headers["X-Subject-Token"]
    listed = server.http.get(server.url(POOLS), headers=_auth_headers(token), timeout=10)
    assert listed.status_code == 200, listed.text
    assert listed.json()["kind"] == "PoolList"
    # a wrong password gets no token
    body["auth"]["identity"]["password"]["user"]["password"] = "wrong"
    bad = server.http.post(server.url("/v3/auth/tokens"), json=body, timeout=10)
    assert bad.status_code == 401, bad.text
    assert "X-Subject-Token" not in bad.headers


# --------------------------------------------------------------------------- revocation

def test_revoked_key_is_refused_within_a_second(server):
    ak, sk = server.create_credential(PROJECT_ID)
    client = server.client(ak=ak, sk=sk)
    assert client.list_pools(m.ListPoolsRequest()).status_code == 200
    server.cli("credentials", "revoke", ak)
    # The server trusts a credential it read for one second (SECURITY.md).
    revoked = time.monotonic()
    while True:
        try:
            client.list_pools(m.ListPoolsRequest())
        except ClientRequestException:
            break
        assert time.monotonic() - revoked < 2, "the revoked key is still accepted"
        time.sleep(0.05)
    expect_client_error(lambda: client.list_pools(m.ListPoolsRequest()), 401, "APIGW.0301")
    # the server's own credential is unaffected
    assert server.client().list_pools(m.ListPoolsRequest()).status_code == 200


# --------------------------------------------------------------------------- --auth off / log

def test_auth_off_serves_unsigned_requests(farm):
    srv = farm.get("immediate", "off")
    display = unique_name("off")
    r = srv.http.post(srv.url(POOLS), json=_create_body(display), timeout=10)
    assert r.status_code == 200, r.text
    name = r.json()["metadata"]["name"]
    listed = srv.http.get(srv.url(POOLS), timeout=10)
    assert listed.status_code == 200, listed.text
    assert name in [i["metadata"]["name"] for i in listed.json()["items"]]
    assert srv.http.delete(srv.url(f"{POOLS}/{name}"), timeout=10).status_code == 200


def test_auth_log_serves_a_request_signed_with_a_wrong_key(farm):
    srv = farm.get("immediate", "log")
    client = srv.client(sk="not-the-secret-key-000000000000000000000")
    resp = client.list_pools(m.ListPoolsRequest())
    assert resp.status_code == 200
    created = client.create_pool(m.CreatePoolRequest(body=pool_body(unique_name("log"))))
    assert created.metadata.name
    client.delete_pool(m.DeletePoolRequest(pool_name=created.metadata.name))


def test_an_unsigned_payload_is_accepted_as_the_gateway_accepts_it(server, make_pool):
    # For application/merge-patch+json the SDK's signer sends
    # X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD and leaves the body out of the hash.
    name = make_pool().metadata.name
    patch = {"metadata": {"annotations": {"os.modelarts/description": "patched unsigned"}}}
    merge = {"Content-Type": "application/merge-patch+json"}
    r = signed_request(server, "PATCH", f"{POOLS}/{name}", body=patch, extra_headers=merge)
    assert r.request.headers["X-Sdk-Content-Sha256"] == "UNSIGNED-PAYLOAD"
    assert r.status_code == 200, r.text
    assert r.json()["metadata"]["annotations"]["os.modelarts/description"] == "patched unsigned"
    # Everything else is still checked.
    r = signed_request(server, "PATCH", f"{POOLS}/{name}", body=patch, extra_headers=merge,
                       sk="not-the-secret-key")
    assert_gateway_error(r, 401, "APIGW.0301")
