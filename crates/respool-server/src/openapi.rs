//! The OpenAPI 3 document, derived from the wire types and the handlers.

use utoipa::OpenApi;

use crate::handlers::{nodes, pools};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "respool: ModelArts resource-pool API",
        description = "The ModelArts resource-pool API as respool serves it. Requests are signed with SDK-HMAC-SHA256 or carry an IAM token in X-Auth-Token."
    ),
    paths(
        pools::list,
        pools::create,
        pools::show,
        pools::patch,
        pools::delete,
        nodes::list,
        nodes::show,
        nodes::batch_delete
    )
)]
struct ApiDoc;

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
