//! The OpenAPI 3 document, derived from the wire types and the handlers.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(info(
    title = "respool: ModelArts resource-pool API",
    description = "The ModelArts resource-pool API as respool serves it. Requests are signed with SDK-HMAC-SHA256 or carry an IAM token in X-Auth-Token."
))]
pub(crate) struct ApiDoc;

/// The paths come from the route list ([`crate::api_routes`]).
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = crate::api_routes().split_for_parts();
    gateway::document(&mut doc);
    doc
}

/// What every `/v1/…` and `/v2/…` operation shares because the layers in front
/// of the handlers (request id, limits, signature, rate limit, store) answer
/// for it: the security schemes, the gateway's error responses and the
/// `X-Request-Id` header on every response. A handler's own annotation of a
/// status wins over the generic one added here.
mod gateway {
    use utoipa::openapi::header::Header;
    use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
    use utoipa::openapi::{Content, ObjectBuilder, OpenApi, Ref, RefOr, ResponseBuilder, Type};

    const SIGNATURE: &str = "sdk_hmac_sha256";
    const TOKEN: &str = "iam_token";

    /// Status, description (with the error code) of the answers any API
    /// operation can give before or around its handler.
    const COMMON: [(&str, &str); 8] = [
        ("400", "Invalid path, query or body (ModelArts.50004000)."),
        ("401", "Missing or wrong credentials, a signature mismatch, or X-Sdk-Date over 15 minutes off (APIGW.0301)."),
        ("403", "The credential may not use the project in the path (APIGW.0302)."),
        ("413", "Request body over 1 MiB (ModelArts.50004130)."),
        ("414", "Request URI too long (ModelArts.50004140)."),
        ("429", "The caller is over its request rate limit, when one is set (APIGW.0308)."),
        ("431", "Too many or too large request headers (ModelArts.50004310)."),
        ("503", "The database does not answer, or the request timed out (ModelArts.50005000)."),
    ];

    pub fn document(doc: &mut OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            SIGNATURE,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "SDK-HMAC-SHA256 Access=<ak>, SignedHeaders=<names>, Signature=<hex>, with X-Sdk-Date, as the Huawei Cloud SDKs sign.",
            ))),
        );
        components.add_security_scheme(
            TOKEN,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Auth-Token",
                "A token from POST /v3/auth/tokens (the X-Subject-Token header).",
            ))),
        );
        let request_id = Header::new(ObjectBuilder::new().schema_type(Type::String).build());
        for (path, item) in doc.paths.paths.iter_mut() {
            let api = path.starts_with("/v1/") || path.starts_with("/v2/");
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
            ];
            for op in operations.into_iter().flatten() {
                if api {
                    op.security = Some(vec![
                        SecurityRequirement::new(SIGNATURE, Vec::<String>::new()),
                        SecurityRequirement::new(TOKEN, Vec::<String>::new()),
                    ]);
                    for (status, description) in COMMON {
                        op.responses
                            .responses
                            .entry(status.to_owned())
                            .or_insert_with(|| {
                                ResponseBuilder::new()
                                    .description(description)
                                    .content(
                                        "application/json",
                                        Content::new(Some(Ref::from_schema_name("ErrorBody"))),
                                    )
                                    .into()
                            });
                    }
                }
                for response in op.responses.responses.values_mut() {
                    if let RefOr::T(response) = response {
                        response
                            .headers
                            .entry("X-Request-Id".to_owned())
                            .or_insert_with(|| request_id.clone());
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    /// What the API fuzzer (tests/sdk/test_api_fuzz.py) relies on: every API
    /// operation is signed, names the gateway's errors, and every response
    /// carries X-Request-Id.
    #[test]
    fn every_api_operation_documents_auth_errors_and_request_id() {
        let doc: Value = serde_json::to_value(super::document()).unwrap();
        let schemes = &doc["components"]["securitySchemes"];
        assert_eq!(schemes["sdk_hmac_sha256"]["name"], "Authorization");
        assert_eq!(schemes["iam_token"]["name"], "X-Auth-Token");
        let mut seen = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                seen += 1;
                let responses = op["responses"].as_object().unwrap();
                for (status, response) in responses {
                    assert!(
                        response["headers"]["X-Request-Id"].is_object(),
                        "{method} {path} {status}: no X-Request-Id"
                    );
                }
                if !(path.starts_with("/v1/") || path.starts_with("/v2/")) {
                    continue;
                }
                for status in ["400", "401", "403", "413", "503"] {
                    let body = &responses[status]["content"]["application/json"]["schema"];
                    assert_eq!(
                        body["$ref"], "#/components/schemas/ErrorBody",
                        "{method} {path} {status}"
                    );
                }
                assert_eq!(
                    op["security"].as_array().unwrap().len(),
                    2,
                    "{method} {path}"
                );
            }
        }
        assert!(seen >= 8);
    }
}
