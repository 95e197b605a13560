//! `/v2/{project_id}/pools` and `/v2/{project_id}/pools/{pool_name}`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::{Extension, Json};
use bytes::Bytes;
use respool_api_types::{ErrorBody, Pool, PoolList, PoolStatus};
use respool_core::pool::{
    PoolState, StatusFilter, StepOutcome, API_VERSION, DEFAULT_WORKSPACE, LIST_KIND,
};
use respool_core::selector::Selector;
use respool_store::{PoolQuery, StoreError};
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::handlers::{json_response, PoolPath, ProjectPath};
use crate::list_cache::ListKey;
use crate::watch::{self, Start, Target, WatchParams};

#[derive(Deserialize, Default, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Workspace id; `0` (the default workspace) when absent.
    workspace_id: Option<String>,
    /// A Kubernetes label selector over `metadata.labels`.
    label_selector: Option<String>,
    /// `creating`, `created` or `failed`; empty for all.
    status: Option<String>,
    /// Only sub-pools of this pool.
    parent: Option<String>,
}

/// `GET /v2/{project_id}/pools`
#[utoipa::path(get, path = "/v2/{project_id}/pools", operation_id = "ListPools",
    params(ProjectPath, ListQuery, WatchParams),
    responses((status = 200, body = PoolList), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(app): State<AppState>,
    PathParams(path): PathParams<ProjectPath>,
    QueryParams(q): QueryParams<ListQuery>,
    QueryParams(watch): QueryParams<WatchParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let selector = crate::extract::label_selector(q.label_selector.as_deref())?;
    let status = StatusFilter::parse(q.status.as_deref().unwrap_or_default())?;
    let workspace = q
        .workspace_id
        .as_deref()
        .filter(|w| !w.is_empty())
        .unwrap_or(DEFAULT_WORKSPACE);
    crate::handlers::ensure_workspace(&app, &path.project_id, workspace).await?;
    let query = PoolQuery {
        project_id: &path.project_id,
        workspace_id: Some(workspace),
        phases: status.map(|s| s.phases().iter().map(|p| p.as_str()).collect()),
        parent: q.parent.as_deref().filter(|p| !p.is_empty()),
    };
    if watch.wanted()? {
        return watch_pools(&app, &path.project_id, &headers, &watch, &query, selector).await;
    }
    // The answer must agree with the clock: pools whose stage has ended are
    // stepped first. Catching up costs a query, so the list runs first and
    // catches up only if it met such a pool; a phase filter, which stepping
    // could change the answer of, always catches up first.
    let filtered = query.phases.is_some();
    if filtered {
        crate::reconciler::catch_up(&app, &path.project_id).await?;
    }
    // A plain list is kept while the store sees no write (read before the
    // list, so a write in between leaves the answer out of date, not wrong).
    let kept = app
        .lists
        .as_ref()
        .filter(|_| !filtered && selector.is_empty())
        .and_then(|lists| Some((lists, app.store.writes_seen()?, list_key(&query))));
    let now = app.clock.now();
    if let Some((lists, writes, key)) = &kept {
        if let Some(body) = lists.get(key, *writes, now) {
            return Ok(json_response(body));
        }
    }
    let mut listed = list_body(&app, &query, &selector).await?;
    if listed.due(now) && !filtered {
        crate::reconciler::catch_up(&app, &path.project_id).await?;
        listed = list_body(&app, &query, &selector).await?;
    } else if let Some((lists, writes, key)) = kept {
        lists.put(key, writes, listed.next_due_ms, listed.body.clone());
    }
    Ok(json_response(listed.body))
}

fn list_key(query: &PoolQuery<'_>) -> ListKey {
    ListKey {
        project_id: query.project_id.to_owned(),
        workspace_id: query.workspace_id.unwrap_or(DEFAULT_WORKSPACE).to_owned(),
        parent: query.parent.map(str::to_owned),
    }
}

/// A `PoolList`, and the earliest time a stage of one of the pools read for
/// it (matching or not) ends.
struct Listed {
    body: Bytes,
    next_due_ms: Option<i64>,
}

impl Listed {
    /// Whether a pool read had a stage ended by `now`.
    fn due(&self, now: i64) -> bool {
        self.next_due_ms.is_some_and(|t| t <= now)
    }
}

/// The `PoolList` of `query`'s pools that `selector` matches.
async fn list_body(
    app: &AppState,
    query: &PoolQuery<'_>,
    selector: &Selector,
) -> Result<Listed, ApiError> {
    let hint = LAST_LIST_LEN
        .load(Ordering::Relaxed)
        .clamp(4096, MAX_LIST_HINT);
    let mut body = String::with_capacity(hint);
    body.push_str(r#"{"apiVersion":""#);
    body.push_str(API_VERSION);
    body.push_str(r#"","kind":""#);
    body.push_str(LIST_KIND);
    body.push_str(r#"","items":["#);
    let mut first = true;
    let mut next_due_ms: Option<i64> = None;
    app.store
        .for_each_pool(query, &mut |row| {
            if let Some(t) = row.next_due_ms {
                next_due_ms = Some(next_due_ms.map_or(t, |n| n.min(t)));
            }
            if !selector_matches(selector, row.labels)? {
                return Ok(());
            }
            if !first {
                body.push(',');
            }
            first = false;
            // Stored documents are the served objects, already JSON.
            body.push_str(row.doc);
            Ok(())
        })
        .await?;
    body.push_str("]}");
    LAST_LIST_LEN.store(body.len(), Ordering::Relaxed);
    Ok(Listed {
        body: Bytes::from(body),
        next_due_ms,
    })
}

/// The length of the last list answered: the next one is made in a buffer
/// that size (up to [`MAX_LIST_HINT`]), rather than grown and copied two or
/// three times.
static LAST_LIST_LEN: AtomicUsize = AtomicUsize::new(0);
const MAX_LIST_HINT: usize = 64 * 1024;

/// A watch of `query`'s pools that `selector` matches: from the requested
/// version, or what exists now and then every change.
async fn watch_pools(
    app: &AppState,
    project_id: &str,
    headers: &HeaderMap,
    params: &WatchParams,
    query: &PoolQuery<'_>,
    selector: Selector,
) -> Result<Response, ApiError> {
    let target = Target::Pools {
        workspace: query.workspace_id.unwrap_or(DEFAULT_WORKSPACE).to_owned(),
        selector: selector.clone(),
    };
    watch::open(app, project_id, headers, params, target, || async {
        crate::reconciler::catch_up(app, project_id).await?;
        let mut initial = Vec::new();
        let head = app
            .store
            .for_each_pool_at_head(query, &mut |row| {
                if selector_matches(&selector, row.labels)? {
                    initial.push(row.doc.to_owned());
                }
                Ok(())
            })
            .await?;
        Ok(Start {
            after: head.seq,
            initial,
        })
    })
    .await
}

fn selector_matches(selector: &Selector, labels: &str) -> Result<bool, StoreError> {
    if selector.is_empty() {
        return Ok(true);
    }
    let labels: BTreeMap<String, String> = serde_json::from_str(labels)?;
    Ok(selector.matches(&labels))
}

/// `POST /v2/{project_id}/pools`
#[utoipa::path(post, path = "/v2/{project_id}/pools", operation_id = "CreatePool",
    params(ProjectPath),
    request_body(content = Pool, example = json!({"apiVersion": "v2", "kind": "Pool",
        "metadata": {"labels": {"os.modelarts/name": "example-pool", "os.modelarts/workspace.id": "0"}},
        "spec": {"type": "Dedicate", "scope": ["Train"], "network": {"name": "network-example"},
                 "resources": [{"flavor": "modelarts.vm.cpu.4ud", "count": 1}]}})),
    responses((status = 200, body = Pool), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    PathParams(path): PathParams<ProjectPath>,
    JsonBody(body): JsonBody<Pool>,
) -> Result<Json<Pool>, ApiError> {
    let now = app.clock.now();
    let env = app.env(&caller.domain_id);
    let mut pool = PoolState::create(&path.project_id, body, &env, now)?;
    crate::handlers::ensure_workspace(&app, &path.project_id, pool.workspace_id()).await?;
    crate::handlers::ensure_pool_network(&app, &path.project_id, &pool.pool).await?;
    // Quotas and the network's free addresses.
    let network = crate::capacity::network_of(&pool);
    crate::capacity::Budget::load(&app, &path.project_id, pool.workspace_id(), network, None)
        .await?
        .check(None, &crate::capacity::Need::of(&pool))?;
    pool.apply_faults(&app.faults(), now);
    pool.step(now);
    match app.insert_pool(&mut pool).await {
        Ok(()) => {}
        Err(StoreError::AlreadyExists) => return Err(ApiError::PoolExists),
        Err(e) => return Err(e.into()),
    }
    app.wake.notify_one();
    // The live service answers before anything has happened: no phase yet.
    let mut answer = pool.pool;
    answer.status = PoolStatus::default();
    Ok(Json(answer))
}

/// `GET /v2/{project_id}/pools/{pool_name}`
#[utoipa::path(get, path = "/v2/{project_id}/pools/{pool_name}", operation_id = "ShowPool",
    params(PoolPath),
    responses((status = 200, body = Pool), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(app): State<AppState>,
    PathParams(path): PathParams<PoolPath>,
) -> Result<Json<Pool>, ApiError> {
    let Some(mut pool) = app
        .store
        .get_pool(&path.project_id, &path.pool_name)
        .await?
    else {
        return Err(ApiError::pool_not_found(&path.pool_name));
    };
    // Show the pool as of now, even if the reconciler has not written it yet.
    if pool.step(app.clock.now()) == StepOutcome::Gone {
        return Err(ApiError::pool_not_found(&path.pool_name));
    }
    Ok(Json(pool.pool))
}

/// `PATCH /v2/{project_id}/pools/{pool_name}` with a JSON merge patch.
#[utoipa::path(patch, path = "/v2/{project_id}/pools/{pool_name}", operation_id = "PatchPool",
    params(PoolPath),
    request_body(content((Object = "application/json"), (Object = "application/merge-patch+json"))),
    responses((status = 200, body = Pool), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn patch(
    State(app): State<AppState>,
    Extension(caller): Extension<Caller>,
    PathParams(path): PathParams<PoolPath>,
    JsonBody(patch): JsonBody<Value>,
) -> Result<Json<Pool>, ApiError> {
    let env = app.env(&caller.domain_id);
    // A move to another workspace needs that workspace to exist.
    let moved_to = patch
        .get("metadata")
        .and_then(|m| m.get("labels"))
        .and_then(|l| l.get(respool_api_types::keys::WORKSPACE_ID))
        .and_then(Value::as_str);
    if let Some(w) = moved_to {
        crate::handlers::ensure_workspace(&app, &path.project_id, w).await?;
    }
    // A scale is checked against quotas and the network's free addresses.
    let current = path.load(&app).await?;
    let workspace = moved_to.unwrap_or(current.workspace_id());
    let network = crate::capacity::network_of(&current);
    let budget = crate::capacity::Budget::load(
        &app,
        &path.project_id,
        workspace,
        network,
        Some(&path.pool_name),
    )
    .await?;
    let ((), pool) = app
        .modify_pool(&path.project_id, &path.pool_name, |pool, now| {
            let before = crate::capacity::Need::of(pool);
            pool.patch(&patch, &env, now).map_err(ApiError::from)?;
            budget.check(Some(&before), &crate::capacity::Need::of(pool))
        })
        .await?;
    Ok(Json(pool.pool))
}

/// `DELETE /v2/{project_id}/pools/{pool_name}`
#[utoipa::path(delete, path = "/v2/{project_id}/pools/{pool_name}", operation_id = "DeletePool",
    params(PoolPath),
    responses((status = 200, body = Pool), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete(
    State(app): State<AppState>,
    PathParams(path): PathParams<PoolPath>,
) -> Result<Json<Pool>, ApiError> {
    let (answer, _) = app
        .modify_pool(&path.project_id, &path.pool_name, |pool, now| {
            pool.check_deletable()?;
            Ok(pool.delete(now))
        })
        .await?;
    Ok(Json(answer))
}
