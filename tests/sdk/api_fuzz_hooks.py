"""Schemathesis extension for fuzzing respool's own /openapi.json.

Loaded by `schemathesis run` through `hooks = "api_fuzz_hooks"` in
tests/sdk/schemathesis.toml (tests/sdk must be on PYTHONPATH). It does two things:

* signs every request, as sent, with the official SDK signer
  (`huaweicloudsdkcore.signer.signer.Signer`), so the
  fuzzer reaches the handlers instead of stopping at 401;
* adds the check `modelarts_error_shape`: every response that is not 2xx is a
  JSON object with string `error_code` and `error_msg`, and every response
  carries an `X-Request-Id` header.

Credentials come from the environment: RESPOOL_FUZZ_AK, RESPOOL_FUZZ_SK and
RESPOOL_FUZZ_PROJECT_ID (the project the `{project_id}` path parameter is
pinned to in the config file).
"""
import json
import os
from urllib.parse import unquote, urlsplit

import requests
import schemathesis
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer


def _query_pairs(raw_query):
    """The decoded pairs of a wire query exactly as the server decodes them to
    verify (split on `&`, then on the first `=`, `%XX` decoded, `+` kept)."""
    if not raw_query:
        return []
    pairs = []
    for part in raw_query.split("&"):
        key, _, value = part.partition("=")
        pairs.append((unquote(key), unquote(value)))
    return pairs


class SdkSigner(requests.auth.AuthBase):
    """Signs a prepared request, with the body and URL exactly as they go out."""

    def __init__(self, ak, sk, project_id):
        self.ak, self.sk, self.project_id = ak, sk, project_id

    def __call__(self, prepared):
        url = urlsplit(prepared.url)
        headers = {"X-Project-Id": self.project_id}
        content_type = prepared.headers.get("Content-Type")
        if content_type is not None:
            # The SDK marks a body whose Content-Type does not start with
            # application/json (merge-patch+json, or whatever the fuzzer picks)
            # X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD, leaving the body unsigned.
            # The fuzzer's bodies should be signed in full: the signer looks for the exact key
            # "Content-Type"; under the lower-case key it signs the header (names
            # are lower-cased anyway) and hashes the body, so such requests reach
            # the handlers with a fully signed body.
            headers["content-type"] = content_type
        body = prepared.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        sdk_req = SdkRequest(method=prepared.method, schema=url.scheme, host=url.netloc,
                             resource_path=url.path, query_params=_query_pairs(url.query),
                             header_params=headers, body=body or None)
        Signer(BasicCredentials(self.ak, self.sk, self.project_id)).sign(sdk_req)
        for name, value in sdk_req.header_params.items():
            prepared.headers[name] = value
        return prepared


def _signer():
    return SdkSigner(os.environ["RESPOOL_FUZZ_AK"], os.environ["RESPOOL_FUZZ_SK"],
                     os.environ["RESPOOL_FUZZ_PROJECT_ID"])


@schemathesis.hook
def before_call(context, case, kwargs):
    kwargs["auth"] = _signer()


@schemathesis.check
def modelarts_error_shape(ctx, response, case):
    """Every non-2xx answer is `{"error_code": str, "error_msg": str}` with X-Request-Id."""
    if not response.headers.get("x-request-id"):
        raise AssertionError(f"{response.status_code} response without an X-Request-Id header")
    if 200 <= response.status_code < 300:
        return None
    try:
        body = json.loads(response.content)
    except ValueError as e:
        raise AssertionError(
            f"{response.status_code} error body is not JSON ({e}): {response.content[:200]!r}"
        ) from None
    if not isinstance(body, dict):
        raise AssertionError(f"{response.status_code} error body is not a JSON object: {body!r}")
    for field in ("error_code", "error_msg"):
        if not isinstance(body.get(field), str) or not body[field]:
            raise AssertionError(
                f"{response.status_code} error body lacks a non-empty string {field}: {body!r}"
            )
    return None
