"""Workspace authorization and the account's users through the official SDK,
unchanged.
"""
from huaweicloudsdkmodelarts.v1 import model as m

from harness import DOMAIN_ID, PROJECT_ID, expect_client_error, unique_name


def test_validate_authorization_allows_the_account(server, client):
    ws = client.create_workspace(m.CreateWorkspaceRequest(body=m.CreateWorkspaceReq(
        name=unique_name("ws"), auth_type="INTERNAL",
        grants=[m.CreateWorkspaceReqGrants(user_name="someone")])))
    body = m.ValidateAuthorizationRequestBody(requests=[
        m.AuthRequests(action_id="id-1", action="modelarts:pool:create", resource="pool")])
    for workspace_id in ["0", ws.id]:
        r = client.validate_authorization(m.ValidateAuthorizationRequest(
            workspace_id=workspace_id, body=body))
        assert [(x.action_id, x.verdict) for x in r.results] == [("id-1", "allow")]
    expect_client_error(lambda: client.validate_authorization(m.ValidateAuthorizationRequest(
        workspace_id="ffffffffffffffffffffffffffffffff", body=body)), 400, "ModelArts.7005")


def test_list_users_names_the_accounts_users(server, client):
    user = unique_name("user")
    server.cli("users", "create", user, "--password", "Pa55word-" + user,
               "--project", PROJECT_ID, "--domain", DOMAIN_ID)
    users = client.list_users(m.ListUsersRequest()).users
    assert user in [u.user_name for u in users]
