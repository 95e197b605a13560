//! Pool plugins and their templates, and node configuration:
//! `/v2/{project_id}/pools/{pool_name}/plugins`, `/v2/{project_id}/plugintemplates`,
//! `/v1/{project_id}/plugintemplates/{name}`, `.../node-config`,
//! `.../node-config-template` and `/v1/{project_id}/nodeconfigtemplates/{name}`.

use axum::extract::State;
use axum::{Extension, Json};
use respool_api_types::{
    ErrorBody, NodeConfig, NodeConfigChoices, NodeConfigTemplate, Plugin, PluginList,
    PluginRequest, PluginTemplateDetail, PluginTemplateList,
};
use respool_core::pool::{self, API_VERSION, PLUGIN_LIST_KIND};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, Missing};
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::handlers::{NodeConfigTemplatePath, PluginTemplatePath, PoolPath, ProjectPath};

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TemplateQuery {
    /// Only the template of this name.
    #[serde(rename = "templateName")]
    #[param(rename = "templateName")]
    template_name: Option<String>,
    /// Only templates this pool can install.
    #[serde(rename = "poolName")]
    #[param(rename = "poolName")]
    pool_name: Option<String>,
}

/// `GET /v2/{project_id}/plugintemplates`
#[utoipa::path(get, path = "/v2/{project_id}/plugintemplates", operation_id = "ListPluginTemplates",
    params(ProjectPath, TemplateQuery),
    responses((status = 200, body = PluginTemplateList), (status = 404, body = ErrorBody)))]
pub async fn templates(
    State(app): State<AppState>,
    PathParams(path): PathParams<ProjectPath>,
    QueryParams(q): QueryParams<TemplateQuery>,
) -> Result<Json<PluginTemplateList>, ApiError> {
    let pool = match q.pool_name.as_deref().filter(|p| !p.is_empty()) {
        Some(name) => Some(
            PoolPath {
                project_id: path.project_id.clone(),
                pool_name: name.to_owned(),
            }
            .load(&app)
            .await?,
        ),
        None => None,
    };
    let wanted = q.template_name.as_deref().filter(|n| !n.is_empty());
    let items = pool::templates_for(pool.as_ref(), &app.catalog)
        .into_iter()
        .filter(|t| wanted.is_none_or(|n| t.name == n))
        .map(pool::template_view)
        .collect();
    Ok(Json(PluginTemplateList {
        api_version: "v1".into(),
        kind: "PluginTemplateList".into(),
        items,
    }))
}

/// `GET /v1/{project_id}/plugintemplates/{plugintemplate_name}`
#[utoipa::path(get, path = "/v1/{project_id}/plugintemplates/{plugintemplate_name}", operation_id = "ShowPluginTemplate",
    params(PluginTemplatePath),
    responses((status = 200, body = PluginTemplateDetail), (status = 404, body = ErrorBody)))]
pub async fn template(
    PathParams(path): PathParams<PluginTemplatePath>,
) -> Result<Json<PluginTemplateDetail>, ApiError> {
    let name = &path.plugintemplate_name;
    respool_core::plugins::template(name)
        .map(|t| Json(pool::template_detail(t)))
        .ok_or_else(|| ApiError::not_found(Missing::PluginTemplate, name))
}

/// `GET /v2/{project_id}/pools/{pool_name}/plugins`
#[utoipa::path(get, path = "/v2/{project_id}/pools/{pool_name}/plugins", operation_id = "ListPoolPlugins",
    params(PoolPath),
    responses((status = 200, body = PluginList), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(app): State<AppState>,
    PathParams(path): PathParams<PoolPath>,
) -> Result<Json<PluginList>, ApiError> {
    let pool = path.load(&app).await?;
    Ok(Json(PluginList {
        api_version: API_VERSION.into(),
        kind: PLUGIN_LIST_KIND.into(),
        items: pool.plugin_views(&app.catalog),
    }))
}

/// `POST /v2/{project_id}/pools/{pool_name}/plugins`: install, or upgrade
/// when the pool has the plugin.
#[utoipa::path(post, path = "/v2/{project_id}/pools/{pool_name}/plugins", operation_id = "CreatePoolPlugin",
    params(PoolPath), request_body = PluginRequest,
    responses((status = 200, body = Plugin), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn install(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    PathParams(path): PathParams<PoolPath>,
    JsonBody(body): JsonBody<PluginRequest>,
) -> Result<Json<Plugin>, ApiError> {
    let env = app.env(&caller.domain_id);
    let (plugin, _) = app
        .modify_pool(&path.project_id, &path.pool_name, |pool, now| {
            Ok(pool.install_plugin(&body.spec.template, &env, now)?)
        })
        .await?;
    Ok(Json(plugin))
}

/// `GET /v2/{project_id}/pools/{pool_name}/node-config`
#[utoipa::path(get, path = "/v2/{project_id}/pools/{pool_name}/node-config", operation_id = "ShowPoolNodeConfig",
    params(PoolPath),
    responses((status = 200, body = NodeConfig), (status = 404, body = ErrorBody)))]
pub async fn node_config(
    State(app): State<AppState>,
    PathParams(path): PathParams<PoolPath>,
) -> Result<Json<NodeConfig>, ApiError> {
    Ok(Json(path.load(&app).await?.node_config_view()))
}

/// `GET /v2/{project_id}/pools/{pool_name}/node-config-template`
#[utoipa::path(get, path = "/v2/{project_id}/pools/{pool_name}/node-config-template", operation_id = "ShowPoolNodeConfigTemplate",
    params(PoolPath),
    responses((status = 200, body = NodeConfigChoices), (status = 404, body = ErrorBody)))]
pub async fn node_config_template(
    State(app): State<AppState>,
    PathParams(path): PathParams<PoolPath>,
) -> Result<Json<NodeConfigChoices>, ApiError> {
    path.load(&app).await?;
    Ok(Json(pool::node_config_choices()))
}

/// `GET /v1/{project_id}/nodeconfigtemplates/{nodeconfigtemplate_name}`: by flavor name.
#[utoipa::path(get, path = "/v1/{project_id}/nodeconfigtemplates/{nodeconfigtemplate_name}", operation_id = "ShowNodeConfigTemplate",
    params(NodeConfigTemplatePath),
    responses((status = 200, body = NodeConfigTemplate), (status = 404, body = ErrorBody)))]
pub async fn flavor_node_config(
    State(app): State<AppState>,
    PathParams(path): PathParams<NodeConfigTemplatePath>,
) -> Result<Json<NodeConfigTemplate>, ApiError> {
    let name = &path.nodeconfigtemplate_name;
    pool::node_config_template(&app.catalog, name)
        .map(Json)
        .ok_or_else(|| ApiError::not_found(Missing::NodeConfigTemplate, name))
}
