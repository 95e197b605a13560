//! The admin API under `/_respool/`: the virtual clock, fault rules,
//! scheduled events, paying prepaid pools, reset, and the request log.
//! Who may call it is [`crate::admin_guard`]'s business.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use respool_api_types::Pool;
use respool_core::fault_rules::{Fault, FaultEffect};
use respool_core::pool::MaintenanceNotice;
use respool_core::time::rfc3339;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::app::AppState;
use crate::error::{ApiError, Missing};
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::handlers::PoolPath;

/// `GET /_respool/clock`
pub async fn clock(State(app): State<AppState>) -> Json<Value> {
    Json(clock_view(&app))
}

fn clock_view(app: &AppState) -> Value {
    let now = app.clock.now();
    json!({
        "now": rfc3339(now),
        "nowMs": now,
        "frozen": app.clock.snapshot().frozen_at_ms.is_some(),
        "timing": app.settings.timing.as_str(),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Advance {
    seconds: f64,
}

/// Ten years: more than any lifecycle needs, far from overflowing.
const MAX_ADVANCE_S: f64 = 10.0 * 365.0 * 24.0 * 3600.0;

/// `POST /_respool/clock/advance {"seconds": N}`: moves virtual time on and
/// lets the reconciler catch up before answering.
pub async fn advance(
    State(app): State<AppState>,
    JsonBody(body): JsonBody<Advance>,
) -> Result<Json<Value>, ApiError> {
    if !(body.seconds.is_finite() && (0.0..=MAX_ADVANCE_S).contains(&body.seconds)) {
        return Err(ApiError::bad_request(format!(
            "seconds must be a number from 0 to {MAX_ADVANCE_S}"
        )));
    }
    let ms = (body.seconds * 1000.0).round() as i64;
    app.clock.advance(app.store.as_ref(), ms).await?;
    let changed = crate::reconciler::pass(&app).await?;
    let mut view = clock_view(&app);
    view["changedPools"] = json!(changed);
    Ok(Json(view))
}

/// A fault rule as the admin API shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultView {
    id: String,
    label_selector: String,
    effect: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<u32>,
    created_at: String,
}

impl From<&Fault> for FaultView {
    fn from(f: &Fault) -> Self {
        FaultView {
            id: f.id.clone(),
            label_selector: f.label_selector.clone(),
            effect: f.effect.name(),
            count: f.effect.count(),
            created_at: rfc3339(f.created_ms),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NewFault {
    #[serde(default)]
    label_selector: String,
    effect: String,
    count: Option<i64>,
}

/// `POST /_respool/faults`: the effect starts at once on every matching pool.
pub async fn create_fault(
    State(app): State<AppState>,
    JsonBody(body): JsonBody<NewFault>,
) -> Result<(StatusCode, Json<FaultView>), ApiError> {
    let effect = FaultEffect::from_parts(&body.effect, body.count)?;
    let fault = Fault::new(&body.label_selector, effect, app.clock.now())?;
    app.store.insert_fault(&fault).await?;
    app.spread_faults().await?;
    Ok((StatusCode::CREATED, Json(FaultView::from(&fault))))
}

/// `GET /_respool/faults`
pub async fn list_faults(State(app): State<AppState>) -> Result<Json<Value>, ApiError> {
    let faults = app.reload_faults().await?;
    let items: Vec<FaultView> = faults.iter().map(FaultView::from).collect();
    Ok(Json(json!({ "items": items })))
}

#[derive(Deserialize)]
pub struct FaultPath {
    id: String,
}

/// `GET /_respool/faults/{id}`
pub async fn show_fault(
    State(app): State<AppState>,
    PathParams(path): PathParams<FaultPath>,
) -> Result<Json<FaultView>, ApiError> {
    let faults = app.reload_faults().await?;
    let fault = faults
        .iter()
        .find(|f| f.id == path.id)
        .ok_or_else(|| fault_not_found(&path.id))?;
    Ok(Json(FaultView::from(fault)))
}

/// `DELETE /_respool/faults/{id}`: the effect ends at once (abnormal nodes
/// start recovering, stuck deletions finish).
pub async fn delete_fault(
    State(app): State<AppState>,
    PathParams(path): PathParams<FaultPath>,
) -> Result<Json<FaultView>, ApiError> {
    let faults = app.reload_faults().await?;
    let fault = faults
        .iter()
        .find(|f| f.id == path.id)
        .ok_or_else(|| fault_not_found(&path.id))?;
    if !app.store.delete_fault(&path.id).await? {
        return Err(fault_not_found(&path.id));
    }
    app.spread_faults().await?;
    Ok(Json(FaultView::from(fault)))
}

fn fault_not_found(id: &str) -> ApiError {
    ApiError::not_found(Missing::Fault, id.to_owned())
}

/// `POST /_respool/reset`: every pool (with its orders and events),
/// network, workspace and fault rule goes; the clock and credentials stay.
pub async fn reset(State(app): State<AppState>) -> Result<Json<Value>, ApiError> {
    let faults = app.store.delete_all_faults().await?;
    let removed = app.store.remove_all().await?;
    app.reload_faults().await?;
    Ok(Json(json!({
        "deletedPools": removed.pools,
        "deletedNetworks": removed.networks,
        "deletedWorkspaces": removed.workspaces,
        "deletedFaults": faults,
    })))
}

#[derive(Deserialize)]
pub struct RequestsQuery {
    limit: Option<usize>,
}

/// `GET /_respool/requests?limit=N`: the most recent requests, oldest first.
pub async fn requests(
    State(app): State<AppState>,
    QueryParams(q): QueryParams<RequestsQuery>,
) -> Json<Value> {
    let items = app
        .requests
        .recent(q.limit.unwrap_or(crate::request_log::RequestLog::CAPACITY));
    Json(json!({ "items": items }))
}

/// `POST /_respool/pools/{project_id}/{pool_name}/pay`: pays a waiting
/// yearly/monthly pool's order, so its creation starts.
pub async fn pay(
    State(app): State<AppState>,
    PathParams(path): PathParams<PoolPath>,
) -> Result<Json<Pool>, ApiError> {
    let env = app.env(&app.settings.default_domain_id);
    let ((), pool) = app
        .modify_pool(&path.project_id, &path.pool_name, |pool, now| {
            pool.pay(&env, now).map_err(ApiError::from)
        })
        .await?;
    Ok(Json(pool.pool))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NewScheduledEvent {
    /// Pools whose labels match (every pool when empty).
    #[serde(default)]
    label_selector: String,
    #[serde(flatten)]
    notice: MaintenanceNotice,
}

/// `POST /_respool/scheduled-events`: announces maintenance for the nodes
/// of every pool whose labels match; answers the ids of the events raised.
pub async fn announce(
    State(app): State<AppState>,
    JsonBody(body): JsonBody<NewScheduledEvent>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    body.notice.validate()?;
    let selector = crate::extract::label_selector(Some(&body.label_selector))?;
    let mut ids: Vec<String> = Vec::new();
    for (project_id, name) in app.store.all_pools().await? {
        let Some(pool) = app.store.get_pool(&project_id, &name).await? else {
            continue;
        };
        if !selector.matches(&pool.pool.metadata.labels) {
            continue;
        }
        match app
            .modify_pool(&project_id, &name, |pool, now| {
                Ok(pool.announce_maintenance(&body.notice, now))
            })
            .await
        {
            Ok((raised, _)) => ids.extend(raised),
            Err(ApiError::NotFound(..)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok((StatusCode::CREATED, Json(json!({ "ids": ids }))))
}
