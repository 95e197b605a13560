//! `POST /v2/{project_id}/pools/{pool_name}/nodes/batch-*`: the day-2 node
//! operations other than delete. Each is one pool write: the domain checks
//! every node first, so a refused call changes nothing.

use axum::extract::State;
use axum::Json;
use respool_api_types::{
    BindRequest, ErrorBody, JobAnswer, MigrateRequest, NodeLockRequest, NodeNames, NodeResults,
    NodeUpdateAnswer, NodeUpdateRequest, RebootAnswer, ResetRequest, ResizeAnswer, ResizeRequest,
};
use respool_core::pool::{BindNode, DriverUpgrade, ResetPlan, ResizeBatch, Rolling, UpdateAction};

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{JsonBody, PathParams};
use crate::handlers::PoolPath;

/// `POST .../nodes/batch-lock`
#[utoipa::path(post, path = "/v2/{project_id}/pools/{pool_name}/nodes/batch-lock", operation_id = "BatchLockPoolNodes",
    params(PoolPath), request_body = NodeLockRequest,
    responses((status = 200, body = NodeResults), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn lock(
    State(app): State<AppState>,
    PathParams(path): PathParams<PoolPath>,
    JsonBody(body): JsonBody<NodeLockRequest>,
) -> Result<Json<NodeResults>, ApiError> {
    set_lock(app, path, body, true).await
}

/// `POST .../nodes/batch-unlock`
#[utoipa::path(post, path = "/v2/{project_id}/pools/{pool_name}/nodes/batch-unlock", operation_id = "BatchUnlockPoolNodes",
    params(PoolPath), request_body = NodeLockRequest,
    responses((status = 200, body = NodeResults), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unlock(
    State(app): State<AppState>,
    PathParams(path): PathParams<PoolPath>,
    JsonBody(body): JsonBody<NodeLockRequest>,
) -> Result<Json<NodeResults>, ApiError> {
    set_lock(app, path, body, false).await
}

async fn set_lock(
    app: AppState,
    path: PoolPath,
    body: NodeLockRequest,
    locked: bool,
) -> Result<Json<NodeResults>, ApiError> {
    let (nodes, _) = app
        .modify_pool(&path.project_id, &path.pool_name, |pool, _| {
            Ok(pool.set_delete_lock(&body.node_names, &body.actions, locked)?)
        })
        .await?;
    Ok(Json(NodeResults { nodes }))
}

/// `POST .../nodes/batch-reboot`
#[utoipa::path(post, path = "/v2/{project_id}/pools/{pool_name}/nodes/batch-reboot", operation_id = "BatchRebootPoolNodes",
    params(PoolPath), request_body = NodeNames,
    responses((status = 200, body = RebootAnswer), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reboot(
    State(app): State<AppState>,
    PathParams(path): PathParams<PoolPath>,
    JsonBody(body): JsonBody<NodeNames>,
) -> Result<Json<RebootAnswer>, ApiError> {
    let (job_id, _) = app
        .modify_pool(&path.project_id, &path.pool_name, |pool, now| {
            Ok(pool.reboot_nodes(&body.node_names, now)?)
        })
        .await?;
    Ok(Json(RebootAnswer {
        node_names: dedup(body.node_names),
        job_id,
    }))
}

/// `POST .../nodes/batch-reset`
#[utoipa::path(post, path = "/v2/{project_id}/pools/{pool_name}/nodes/batch-reset", operation_id = "BatchResetPoolNodes",
    params(PoolPath), request_body = ResetRequest,
    responses((status = 200, body = JobAnswer), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reset(
    State(app): State<AppState>,
    PathParams(path): PathParams<PoolPath>,
    JsonBody(body): JsonBody<ResetRequest>,
) -> Result<Json<JobAnswer>, ApiError> {
    let plan = ResetPlan {
        rolling: Rolling::parse(
            &body.rolling_config.strategy,
            body.rolling_config.max_unavailable,
        )?,
        os: body
            .node_config
            .and_then(|c| c.os)
            .filter(|os| !os.is_empty()),
    };
    let (job_id, _) = app
        .modify_pool(&path.project_id, &path.pool_name, |pool, now| {
            Ok(pool.reset_nodes(&body.node_names, &plan, now)?)
        })
        .await?;
    Ok(Json(JobAnswer { job_id }))
}

/// `POST .../nodes/batch-drain`
#[utoipa::path(post, path = "/v2/{project_id}/pools/{pool_name}/nodes/batch-drain", operation_id = "BatchDrainPoolNodes",
    params(PoolPath), request_body = NodeNames,
    responses((status = 200, body = NodeResults), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn drain(
    State(app): State<AppState>,
    PathParams(path): PathParams<PoolPath>,
    JsonBody(body): JsonBody<NodeNames>,
) -> Result<Json<NodeResults>, ApiError> {
    let (drained, _) = app
        .modify_pool(&path.project_id, &path.pool_name, |pool, _| {
            Ok(pool.drain_nodes(&body.node_names)?)
        })
        .await?;
    Ok(Json(NodeResults {
        nodes: drained.into_iter().map(success).collect(),
    }))
}

/// `POST .../nodes/batch-update`
#[utoipa::path(post, path = "/v2/{project_id}/pools/{pool_name}/nodes/batch-update", operation_id = "BatchUpdatePoolNodes",
    params(PoolPath), request_body = NodeUpdateRequest,
    responses((status = 200, body = NodeUpdateAnswer), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(app): State<AppState>,
    PathParams(path): PathParams<PoolPath>,
    JsonBody(body): JsonBody<NodeUpdateRequest>,
) -> Result<Json<NodeUpdateAnswer>, ApiError> {
    let tags = body.tags.into_iter().map(|t| (t.key, t.value)).collect();
    let driver = body.driver.map(|d| DriverUpgrade {
        version: d.version,
        strategy: d.update_strategy.unwrap_or_else(|| "idle".into()),
    });
    let action = UpdateAction::parse(
        body.action.as_deref(),
        body.ha_redundant_effect.as_deref(),
        tags,
        driver,
    )?;
    let (out, _) = app
        .modify_pool(&path.project_id, &path.pool_name, |pool, now| {
            Ok(pool.update_nodes(&body.node_names, &action, now)?)
        })
        .await?;
    Ok(Json(NodeUpdateAnswer {
        success_node_names: out.success,
        fail_node_names: out.failed,
    }))
}

/// `POST .../nodes/batch-bind`
#[utoipa::path(post, path = "/v2/{project_id}/pools/{pool_name}/nodes/batch-bind", operation_id = "BatchBindPoolNodes",
    params(PoolPath), request_body = BindRequest,
    responses((status = 200, body = NodeResults), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn bind(
    State(app): State<AppState>,
    PathParams(path): PathParams<PoolPath>,
    JsonBody(body): JsonBody<BindRequest>,
) -> Result<Json<NodeResults>, ApiError> {
    let nodes: Vec<BindNode> = body
        .nodes
        .into_iter()
        .map(|n| BindNode {
            name: n.name,
            quota_name: n.quota_name,
        })
        .collect();
    let (nodes, _) = app
        .modify_pool(&path.project_id, &path.pool_name, |pool, _| {
            Ok(pool.bind_nodes(&nodes, body.drain)?)
        })
        .await?;
    Ok(Json(NodeResults { nodes }))
}

/// `POST .../nodes/batch-resize`
#[utoipa::path(post, path = "/v2/{project_id}/pools/{pool_name}/nodes/batch-resize", operation_id = "BatchResizePoolNodes",
    params(PoolPath), request_body = ResizeRequest,
    responses((status = 200, body = ResizeAnswer), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn resize(
    State(app): State<AppState>,
    PathParams(path): PathParams<PoolPath>,
    JsonBody(body): JsonBody<ResizeRequest>,
) -> Result<Json<ResizeAnswer>, ApiError> {
    let step = |s: i64, side: &str| {
        u32::try_from(s)
            .ok()
            .filter(|s| *s > 0)
            .ok_or_else(|| ApiError::bad_request(format!("invalid {side}.creatingStep.step {s}")))
    };
    let source = (
        body.source.flavor.as_str(),
        step(body.source.creating_step.step, "source")?,
    );
    let target = (
        body.target.flavor.as_str(),
        step(body.target.creating_step.step, "target")?,
    );
    let batches: Vec<ResizeBatch> = body
        .nodes
        .iter()
        .map(|b| ResizeBatch {
            batch_uid: b.batch_uid.clone(),
            delete_node_names: b.delete_node_names.clone(),
        })
        .collect();
    let env = app.env(&app.settings.default_domain_id);
    let (order_name, _) = app
        .modify_pool(&path.project_id, &path.pool_name, |pool, now| {
            Ok(pool.resize_batches(&batches, source, target, &env, now)?)
        })
        .await?;
    Ok(Json(ResizeAnswer { order_name }))
}

/// `POST .../nodes/batch-migrate`: the nodes leave this pool and join
/// `toPoolName`. The target is written first and the source second; each
/// write is checked, so a refused target leaves the source untouched.
#[utoipa::path(post, path = "/v2/{project_id}/pools/{pool_name}/nodes/batch-migrate", operation_id = "BatchMigratePoolNodes",
    params(PoolPath), request_body = MigrateRequest,
    responses((status = 200, body = JobAnswer), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn migrate(
    State(app): State<AppState>,
    PathParams(path): PathParams<PoolPath>,
    JsonBody(body): JsonBody<MigrateRequest>,
) -> Result<Json<JobAnswer>, ApiError> {
    let Some(target) = body.to_pool_name.filter(|t| !t.is_empty()) else {
        return Err(ApiError::bad_request(
            "toPoolName is required: the pool the nodes move to",
        ));
    };
    let flavor = body.resource_spec.and_then(|r| r.flavor);
    let env = app.env(&app.settings.default_domain_id);
    // Dry run on the source, so nothing is written when the source would refuse.
    let source = path.load(&app).await?;
    let (_, leaving) =
        source
            .clone()
            .migrate_out(&body.migrate_node_names, &target, app.clock.now())?;
    app.modify_pool(&path.project_id, &target, |pool, now| {
        Ok(pool.migrate_in(&leaving, flavor.as_deref(), &env, now)?)
    })
    .await?;
    let ((job_id, _), _) = app
        .modify_pool(&path.project_id, &path.pool_name, |pool, now| {
            Ok(pool.migrate_out(&body.migrate_node_names, &target, now)?)
        })
        .await?;
    Ok(Json(JobAnswer { job_id }))
}

fn success(name: String) -> respool_api_types::NodeResult {
    respool_api_types::NodeResult {
        name,
        status: "success".into(),
    }
}

fn dedup(names: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for n in names {
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}
