//! How the client commands print: kubectl-style tables, JSON, YAML, ages and durations.

use std::time::Duration;

use chrono::{DateTime, Utc};
use respool_api_types::{
    keys, Event, EventList, Network, NetworkList, Node, NodeList, OrderItemList, OrderList, Pool,
    PoolJob, PoolJobList, PoolList, PoolStatistics, PoolTagList, ResourceFlavor,
    ResourceFlavorList, ResourceFlavorXpu, ScheduledEventList, Workspace, WorkspaceList,
};
use serde::Serialize;

use crate::cli::Format;

/// Parses `500ms`, `90s`, `20m`, `1h30m`, `2h`, or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("invalid duration {s:?}: use e.g. 90s, 20m, 1h30m or 500ms");
    let s = s.trim();
    if s.is_empty() {
        return Err(bad());
    }
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        if digits == 0 {
            return Err(bad());
        }
        let n: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        total += match unit {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n * 60),
            "h" => Duration::from_secs(n * 3600),
            _ => return Err(bad()),
        };
    }
    Ok(total)
}

/// An age as kubectl prints it (`k8s.io/apimachinery/pkg/util/duration.HumanDuration`).
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".into();
    }
    if seconds < 0 {
        return "0s".into();
    }
    if seconds < 120 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        return if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

/// The age of an object created at an RFC 3339 time; `<unknown>` without one.
pub fn age(created: Option<&str>, now: DateTime<Utc>) -> String {
    match created.and_then(|c| DateTime::parse_from_rfc3339(c).ok()) {
        Some(t) => human_duration((now - t.with_timezone(&Utc)).num_seconds()),
        None => "<unknown>".into(),
    }
}

/// The age of an object created at an instant in epoch milliseconds;
/// `<unknown>` for 0 (not started) or less.
pub fn age_ms(ms: i64, now: DateTime<Utc>) -> String {
    if ms <= 0 {
        return "<unknown>".into();
    }
    human_duration((now.timestamp_millis() - ms).div_euclid(1000))
}

/// Columns separated by three spaces, as kubectl's tab writer does.
pub struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Table {
        Table {
            rows: vec![headers.iter().map(|h| h.to_string()).collect()],
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Each column's width: its widest cell.
    pub fn widths(&self) -> Vec<usize> {
        let cols = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        (0..cols)
            .map(|c| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .map(|s| s.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect()
    }

    pub fn render(&self) -> String {
        let widths = self.widths();
        self.rows
            .iter()
            .map(|row| line(&widths, row) + "\n")
            .collect()
    }
}

/// One row padded to `widths` (a cell wider than its column pushes the rest along).
pub fn line(widths: &[usize], row: &[String]) -> String {
    let mut line = String::new();
    for (c, cell) in row.iter().enumerate() {
        line.push_str(cell);
        if c + 1 < row.len() {
            let width = widths.get(c).copied().unwrap_or(0);
            let pad = width.saturating_sub(cell.chars().count()) + 3;
            line.extend(std::iter::repeat_n(' ', pad));
        }
    }
    line.trim_end().to_owned()
}

fn or_none(s: &str) -> String {
    if s.is_empty() {
        "<none>".into()
    } else {
        s.to_owned()
    }
}

pub fn to_json<T: Serialize>(value: &T) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(value)? + "\n")
}

pub fn to_yaml<T: Serialize>(value: &T) -> anyhow::Result<String> {
    Ok(serde_norway::to_string(value)?)
}

/// `flavor available/total`, per flavor of `spec.resources`.
pub fn flavors_cell(pool: &Pool) -> String {
    let cells: Vec<String> = pool
        .spec
        .resources
        .iter()
        .map(|r| {
            let available: i64 = pool
                .status
                .resources
                .available
                .iter()
                .filter(|f| f.flavor == r.flavor)
                .map(|f| f.count)
                .sum();
            format!("{} {available}/{}", r.flavor, r.count)
        })
        .collect();
    if cells.is_empty() {
        "<none>".into()
    } else {
        cells.join(", ")
    }
}

fn bucket_total(b: &[respool_api_types::FlavorCount]) -> i64 {
    b.iter().map(|f| f.count).sum()
}

pub fn pool_row(pool: &Pool, wide: bool, now: DateTime<Utc>) -> Vec<String> {
    let labels = &pool.metadata.labels;
    let mut row = vec![
        pool.metadata.name.clone(),
        or_none(labels.get(keys::NAME).map_or("", String::as_str)),
        or_none(&pool.spec.pool_type),
        or_none(&pool.status.phase),
        flavors_cell(pool),
        or_none(&pool.spec.scope.join(",")),
    ];
    if wide {
        let r = &pool.status.resources;
        row.extend([
            or_none(labels.get(keys::WORKSPACE_ID).map_or("", String::as_str)),
            or_none(
                pool.spec
                    .network
                    .as_ref()
                    .and_then(|n| n.name.as_deref().or(n.vpc_id.as_deref()))
                    .unwrap_or(""),
            ),
            bucket_total(&r.creating).to_string(),
            bucket_total(&r.abnormal).to_string(),
            bucket_total(&r.deleting).to_string(),
        ]);
    }
    row.push(age(pool.metadata.creation_timestamp.as_deref(), now));
    row
}

pub fn pool_headers(wide: bool) -> Vec<&'static str> {
    let mut headers = vec!["NAME", "DISPLAY NAME", "TYPE", "PHASE", "FLAVORS", "SCOPES"];
    if wide {
        headers.extend(["WORKSPACE", "NETWORK", "CREATING", "ABNORMAL", "DELETING"]);
    }
    headers.push("AGE");
    headers
}

pub fn pools_table(pools: &[Pool], wide: bool) -> String {
    let mut t = Table::new(&pool_headers(wide));
    let now = Utc::now();
    for p in pools {
        t.row(pool_row(p, wide, now));
    }
    t.render()
}

pub fn print_pool_list(list: &PoolList, format: Format) -> anyhow::Result<()> {
    match format {
        Format::Json => print!("{}", to_json(list)?),
        Format::Yaml => print!("{}", to_yaml(list)?),
        Format::Table | Format::Wide if list.items.is_empty() => {
            crate::progress::note("No pools found.")
        }
        Format::Table | Format::Wide => {
            print!("{}", pools_table(&list.items, format == Format::Wide))
        }
    }
    Ok(())
}

pub fn print_pool(pool: &Pool, format: Format) -> anyhow::Result<()> {
    match format {
        Format::Json => print!("{}", to_json(pool)?),
        Format::Yaml => print!("{}", to_yaml(pool)?),
        Format::Table | Format::Wide => print!(
            "{}",
            pools_table(std::slice::from_ref(pool), format == Format::Wide)
        ),
    }
    Ok(())
}

fn node_row(node: &Node, wide: bool, now: DateTime<Utc>) -> Vec<String> {
    let mut row = vec![
        node.metadata.name.clone(),
        or_none(&node.status.phase),
        or_none(&node.spec.flavor),
        or_none(&node.status.az),
        or_none(&node.status.private_ip),
    ];
    if wide {
        let res = &node.status.resources;
        let get = |k: &str| or_none(res.get(k).map_or("", String::as_str));
        let accelerators: Vec<String> = res
            .iter()
            .filter(|(k, _)| k.contains('/'))
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        row.extend([
            get("cpu"),
            get("memory"),
            or_none(&accelerators.join(",")),
            node.status
                .driver
                .as_ref()
                .map(|d| format!("{} {}", d.version, d.phase))
                .unwrap_or_else(|| "<none>".into()),
        ]);
    }
    row.push(age(node.metadata.creation_timestamp.as_deref(), now));
    row
}

pub fn nodes_table(nodes: &[Node], wide: bool) -> String {
    let mut headers = vec!["NAME", "PHASE", "FLAVOR", "AZ", "IP"];
    if wide {
        headers.extend(["CPU", "MEMORY", "ACCELERATORS", "DRIVER"]);
    }
    headers.push("AGE");
    let mut t = Table::new(&headers);
    let now = Utc::now();
    for n in nodes {
        t.row(node_row(n, wide, now));
    }
    t.render()
}

pub fn print_node_list(list: &NodeList, format: Format) -> anyhow::Result<()> {
    match format {
        Format::Json => print!("{}", to_json(list)?),
        Format::Yaml => print!("{}", to_yaml(list)?),
        Format::Table | Format::Wide if list.items.is_empty() => {
            crate::progress::note("No nodes found.")
        }
        Format::Table | Format::Wide => {
            print!("{}", nodes_table(&list.items, format == Format::Wide))
        }
    }
    Ok(())
}

pub fn print_node(node: &Node, format: Format) -> anyhow::Result<()> {
    match format {
        Format::Json => print!("{}", to_json(node)?),
        Format::Yaml => print!("{}", to_yaml(node)?),
        Format::Table | Format::Wide => print!(
            "{}",
            nodes_table(std::slice::from_ref(node), format == Format::Wide)
        ),
    }
    Ok(())
}

/// Prints `value` as JSON or YAML, or as the table `table` renders (its
/// argument: wide); `empty` is said instead of an empty table.
fn print_as<T: Serialize>(
    value: &T,
    format: Format,
    empty: Option<&str>,
    table: impl FnOnce(bool) -> String,
) -> anyhow::Result<()> {
    match format {
        Format::Json => print!("{}", to_json(value)?),
        Format::Yaml => print!("{}", to_yaml(value)?),
        Format::Table | Format::Wide => match empty {
            Some(note) => crate::progress::note(note),
            None => print!("{}", table(format == Format::Wide)),
        },
    }
    Ok(())
}

fn label<'a>(labels: &'a std::collections::BTreeMap<String, String>, key: &str) -> &'a str {
    labels.get(key).map_or("", String::as_str)
}

// ------------------------------------------------------------------ flavors

/// `8x nvidia-a100 (80Gi)`; `<none>` for a CPU flavor.
fn accelerator_cell(f: &ResourceFlavor) -> String {
    let cell = |kind: &str, x: &ResourceFlavorXpu| {
        let count = [&x.card, &x.chip, &x.size]
            .into_iter()
            .find(|c| !c.is_empty())
            .cloned()
            .unwrap_or_else(|| "?".into());
        let name = if x.xpu_type.is_empty() {
            kind
        } else {
            &x.xpu_type
        };
        if x.memory.is_empty() {
            format!("{count}x {name}")
        } else {
            format!("{count}x {name} ({})", x.memory)
        }
    };
    match (&f.spec.gpu, &f.spec.npu) {
        (Some(g), _) => cell("gpu", g),
        (None, Some(n)) => cell("npu", n),
        (None, None) => "<none>".into(),
    }
}

/// Availability zones whose phase is (or is not) `normal`.
fn azs_cell(f: &ResourceFlavor, in_stock: bool) -> String {
    let azs: Vec<&str> = f
        .status
        .phase
        .iter()
        .filter(|(_, phase)| (phase.as_str() == "normal") == in_stock)
        .map(|(az, _)| az.as_str())
        .collect();
    or_none(&azs.join(","))
}

fn flavor_row(f: &ResourceFlavor, wide: bool) -> Vec<String> {
    let scopes = label(&f.metadata.labels, keys::FLAVOR_SCOPE).replace('.', ",");
    let mut row = vec![
        f.metadata.name.clone(),
        or_none(&f.spec.flavor_type),
        or_none(&f.spec.cpu_arch),
        or_none(&f.spec.cpu),
        or_none(&f.spec.memory),
        accelerator_cell(f),
        or_none(&scopes),
        azs_cell(f, true),
    ];
    if wide {
        let volume = |v: &respool_api_types::FlavorVolume| format!("{} {}", v.volume_type, v.size);
        let data: Vec<String> = f.spec.data_volumes.iter().map(volume).collect();
        let billing: Vec<&str> = f
            .spec
            .billing_modes
            .iter()
            .map(|m| match m {
                0 => "pay-per-use",
                1 => "yearly/monthly",
                _ => "other",
            })
            .collect();
        row.extend([
            azs_cell(f, false),
            or_none(&f.spec.flavor_boot_type),
            or_none(volume(&f.spec.root_volume).trim()),
            or_none(&data.join(",")),
            or_none(&billing.join(",")),
        ]);
    }
    row
}

pub fn flavors_table(flavors: &[ResourceFlavor], wide: bool) -> String {
    let mut headers = vec![
        "NAME",
        "TYPE",
        "ARCH",
        "CPU",
        "MEMORY",
        "ACCELERATOR",
        "SCOPES",
        "AZS IN STOCK",
    ];
    if wide {
        headers.extend(["SOLD OUT", "BOOT", "ROOT VOLUME", "DATA VOLUMES", "BILLING"]);
    }
    let mut t = Table::new(&headers);
    for f in flavors {
        t.row(flavor_row(f, wide));
    }
    t.render()
}

pub fn print_flavor_list(list: &ResourceFlavorList, format: Format) -> anyhow::Result<()> {
    print_as(
        list,
        format,
        list.items.is_empty().then_some("No flavors found."),
        |wide| flavors_table(&list.items, wide),
    )
}

// ------------------------------------------------------------------ networks

fn network_row(n: &Network, wide: bool, now: DateTime<Utc>) -> Vec<String> {
    let labels = &n.metadata.labels;
    let mut row = vec![
        n.metadata.name.clone(),
        or_none(label(labels, keys::NAME)),
        or_none(&n.spec.cidr),
        or_none(&n.status.phase),
    ];
    if wide {
        let connection = n.spec.connection.as_ref();
        let peerings = connection
            .and_then(|c| c.peer_connection_list.as_ref())
            .map_or(0, Vec::len);
        let sfs = connection
            .and_then(|c| c.sfs_turbo_connection_list.as_ref())
            .map_or(0, Vec::len);
        row.extend([
            or_none(label(labels, keys::WORKSPACE_ID)),
            or_none(
                &n.status
                    .subnets
                    .iter()
                    .map(|s| s.network_id.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            peerings.to_string(),
            sfs.to_string(),
        ]);
    }
    row.push(age(n.metadata.creation_timestamp.as_deref(), now));
    row
}

pub fn networks_table(networks: &[Network], wide: bool) -> String {
    let mut headers = vec!["NAME", "DISPLAY NAME", "CIDR", "PHASE"];
    if wide {
        headers.extend(["WORKSPACE", "SUBNET ID", "PEERINGS", "SFS TURBO"]);
    }
    headers.push("AGE");
    let mut t = Table::new(&headers);
    let now = Utc::now();
    for n in networks {
        t.row(network_row(n, wide, now));
    }
    t.render()
}

pub fn print_network_list(list: &NetworkList, format: Format) -> anyhow::Result<()> {
    print_as(
        list,
        format,
        list.items.is_empty().then_some("No networks found."),
        |wide| networks_table(&list.items, wide),
    )
}

pub fn print_network(n: &Network, format: Format) -> anyhow::Result<()> {
    print_as(n, format, None, |wide| {
        networks_table(std::slice::from_ref(n), wide)
    })
}

// ------------------------------------------------------------------ workspaces

fn workspace_row(w: &Workspace, wide: bool, now: DateTime<Utc>) -> Vec<String> {
    let mut row = vec![
        w.id.clone(),
        or_none(&w.name),
        or_none(&w.status),
        or_none(&w.auth_type),
        or_none(&w.owner),
        age_ms(w.create_time, now),
    ];
    if wide {
        row.extend([
            or_none(&w.enterprise_project_id),
            age_ms(w.update_time, now),
            or_none(&w.description),
        ]);
    }
    row
}

pub fn workspaces_table(workspaces: &[Workspace], wide: bool) -> String {
    let mut headers = vec!["ID", "NAME", "STATUS", "AUTH TYPE", "OWNER", "AGE"];
    if wide {
        headers.extend(["ENTERPRISE PROJECT", "UPDATED", "DESCRIPTION"]);
    }
    let mut t = Table::new(&headers);
    let now = Utc::now();
    for w in workspaces {
        t.row(workspace_row(w, wide, now));
    }
    t.render()
}

pub fn print_workspace_list(list: &WorkspaceList, format: Format) -> anyhow::Result<()> {
    print_as(
        list,
        format,
        list.workspaces.is_empty().then_some("No workspaces found."),
        |wide| workspaces_table(&list.workspaces, wide),
    )
}

pub fn print_workspace(w: &Workspace, format: Format) -> anyhow::Result<()> {
    print_as(w, format, None, |wide| {
        workspaces_table(std::slice::from_ref(w), wide)
    })
}

// ------------------------------------------------------------------ statistics

pub fn print_statistics(
    stats: &PoolStatistics,
    workspace: &str,
    format: Format,
) -> anyhow::Result<()> {
    print_as(stats, format, None, |wide| {
        let s = &stats.statistics.status;
        let mut headers = vec![
            "WORKSPACE",
            "CREATED",
            "CREATING",
            "PENDING",
            "FAILED",
            "DELETING",
        ];
        let mut row = vec![
            workspace.to_owned(),
            s.created.to_string(),
            s.creating.to_string(),
            s.pending.to_string(),
            s.failed.to_string(),
            s.deleting.to_string(),
        ];
        if wide {
            headers.push("AT");
            row.push(or_none(&stats.operation_time));
        }
        let mut t = Table::new(&headers);
        t.row(row);
        t.render()
    })
}

// ------------------------------------------------------------------ events

pub fn print_event_list(list: &EventList, pool: &str, format: Format) -> anyhow::Result<()> {
    print_as(
        list,
        format,
        list.items.is_empty().then_some("No events found."),
        |wide| {
            let mut t = Table::new(&event_headers(wide));
            let now = Utc::now();
            for e in &list.items {
                t.row(event_row(e, pool, wide, now));
            }
            t.render()
        },
    )
}

pub fn event_headers(wide: bool) -> Vec<&'static str> {
    let mut headers = vec!["LAST SEEN", "TYPE", "REASON", "OBJECT"];
    if wide {
        headers.extend(["FIRST SEEN", "COUNT", "NAME"]);
    }
    headers.push("MESSAGE");
    headers
}

pub fn event_row(e: &Event, pool: &str, wide: bool, now: DateTime<Utc>) -> Vec<String> {
    let mut row = vec![
        age(Some(&e.last_timestamp), now),
        or_none(&e.event_type),
        or_none(&e.reason),
        format!("pool/{pool}"),
    ];
    if wide {
        row.extend([
            age(Some(&e.first_timestamp), now),
            e.count.to_string(),
            or_none(&e.metadata.name),
        ]);
    }
    row.push(or_none(&e.message));
    row
}

// ------------------------------------------------------------------ orders

fn nodes_of(counts: &[respool_api_types::OrderFlavorCount]) -> i64 {
    counts.iter().map(|c| c.count).sum()
}

pub fn print_order_list(list: &OrderList, format: Format) -> anyhow::Result<()> {
    print_as(
        list,
        format,
        list.items.is_empty().then_some("No orders found."),
        |wide| {
            let mut headers = vec!["NAME", "POOL", "OPERATION", "PHASE", "NODES"];
            if wide {
                headers.extend(["ORDER ID", "WORKSPACE", "DURATION", "REASON"]);
            }
            headers.push("AGE");
            let mut t = Table::new(&headers);
            let now = Utc::now();
            for o in &list.items {
                let pool = if o.resource_display_name.is_empty() {
                    &o.resource_name
                } else {
                    &o.resource_display_name
                };
                let mut row = vec![
                    o.order_name.clone(),
                    or_none(pool),
                    or_none(&o.operation),
                    or_none(&o.phase),
                    format!("{}->{}", nodes_of(&o.init_count), nodes_of(&o.spec_count)),
                ];
                if wide {
                    let duration = match (o.begin_timestamp, o.end_timestamp) {
                        (b, _) if b <= 0 => "<none>".to_owned(),
                        (b, e) if e > 0 => human_duration((e - b) / 1000),
                        (b, _) => human_duration((now.timestamp_millis() - b) / 1000),
                    };
                    row.extend([
                        or_none(&o.order_id),
                        or_none(&o.workspace_id),
                        duration,
                        or_none(o.fail_reason.as_deref().unwrap_or("")),
                    ]);
                }
                row.push(age_ms(o.creation_timestamp, now));
                t.row(row);
            }
            t.render()
        },
    )
}

pub fn print_order_items(list: &OrderItemList, format: Format) -> anyhow::Result<()> {
    print_as(
        list,
        format,
        list.items
            .is_empty()
            .then_some("No resources in this order."),
        |_wide| {
            let mut t = Table::new(&[
                "RESOURCE", "ACTION", "STATUS", "STARTED", "UPDATED", "MESSAGE",
            ]);
            let now = Utc::now();
            let ms = |s: &str| s.parse::<i64>().unwrap_or(0);
            for i in &list.items {
                t.row(vec![
                    i.resource_name.clone(),
                    or_none(&i.action),
                    or_none(&i.status),
                    age_ms(ms(&i.begin_timestamp), now),
                    age_ms(ms(&i.update_timestamp), now),
                    or_none(&i.message),
                ]);
            }
            t.render()
        },
    )
}

// ------------------------------------------------------------------ tags

/// One row per key, its values joined with commas.
pub fn print_tags(list: &PoolTagList, value_header: &str, format: Format) -> anyhow::Result<()> {
    print_as(
        list,
        format,
        list.tags.is_empty().then_some("No tags found."),
        |_wide| {
            let mut t = Table::new(&["KEY", value_header]);
            for tag in &list.tags {
                t.row(vec![tag.key.clone(), tag.values.join(",")]);
            }
            t.render()
        },
    )
}

// ------------------------------------------------------------------ jobs and scheduled events

/// The node names of a job's `involvedObjects` (JSON text: a list of names or
/// of objects with a `name`), joined with commas.
fn involved_nodes(job: &PoolJob) -> String {
    let names: Vec<String> = serde_json::from_str::<serde_json::Value>(&job.involved_objects)
        .ok()
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|v| {
            v.as_str()
                .map(str::to_owned)
                .or_else(|| v.get("name").and_then(|n| n.as_str()).map(str::to_owned))
        })
        .collect();
    or_none(&names.join(","))
}

pub fn jobs_table(jobs: &[PoolJob], wide: bool) -> String {
    let mut headers = vec!["ID", "TYPE", "PHASE", "NODES"];
    if wide {
        headers.extend(["DURATION", "MESSAGE"]);
    }
    headers.push("AGE");
    let mut t = Table::new(&headers);
    let now = Utc::now();
    for j in jobs {
        let mut row = vec![
            j.job_id.clone(),
            or_none(&j.job_type),
            or_none(&j.phase),
            involved_nodes(j),
        ];
        if wide {
            let end = j.end_timestamp.unwrap_or(now.timestamp_millis());
            row.extend([
                human_duration((end - j.start_timestamp) / 1000),
                or_none(&j.message),
            ]);
        }
        row.push(age_ms(j.start_timestamp, now));
        t.row(row);
    }
    t.render()
}

pub fn print_job(job: &PoolJob, format: Format) -> anyhow::Result<()> {
    print_as(job, format, None, |wide| {
        jobs_table(std::slice::from_ref(job), wide)
    })
}

pub fn print_job_list(list: &PoolJobList, format: Format) -> anyhow::Result<()> {
    print_as(
        list,
        format,
        list.items.is_empty().then_some("No jobs found."),
        |wide| jobs_table(&list.items, wide),
    )
}

pub fn print_scheduled_events(list: &ScheduledEventList, format: Format) -> anyhow::Result<()> {
    print_as(
        list,
        format,
        list.events
            .is_empty()
            .then_some("No scheduled events found."),
        |wide| {
            let mut headers = vec!["ID", "TYPE", "STATE", "POOL", "NODE", "NOT BEFORE"];
            if wide {
                headers.extend(["PUBLISHED", "PROGRESS", "DESCRIPTION"]);
            }
            let mut t = Table::new(&headers);
            for e in &list.events {
                let pool = if e.pool_display_name.is_empty() {
                    &e.pool_name
                } else {
                    &e.pool_display_name
                };
                let mut row = vec![
                    e.id.clone(),
                    or_none(&e.event_type),
                    or_none(&e.state),
                    or_none(pool),
                    or_none(&e.node_name),
                    or_none(e.not_before.as_deref().unwrap_or("")),
                ];
                if wide {
                    row.extend([
                        or_none(&e.publish_time),
                        or_none(&e.job_progress),
                        or_none(&e.description),
                    ]);
                }
                t.row(row);
            }
            t.render()
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("20m"), Ok(Duration::from_secs(1200)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1m5s"), Ok(Duration::from_secs(65)));
        for bad in ["", "m", "5x", "1.5s", "-1s", "s5"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ages_read_like_kubectl() {
        let cases = [
            (-5, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (119, "119s"),
            (120, "2m"),
            (125, "2m5s"),
            (600, "10m"),
            (179 * 60, "179m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 60 * 5, "3h5m"),
            (8 * 3600, "8h"),
            (47 * 3600, "47h"),
            (48 * 3600, "2d"),
            (50 * 3600, "2d2h"),
            (8 * 86400, "8d"),
            (730 * 86400, "2y"),
            (731 * 86400, "2y1d"),
            (8 * 365 * 86400, "8y"),
        ];
        for (secs, want) in cases {
            assert_eq!(human_duration(secs), want, "{secs}");
        }
        let now = DateTime::parse_from_rfc3339("2024-01-01T00:10:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(age(Some("2024-01-01T00:00:00Z"), now), "10m");
        assert_eq!(age(None, now), "<unknown>");
        assert_eq!(age_ms(now.timestamp_millis() - 125_400, now), "2m5s");
        assert_eq!(age_ms(0, now), "<unknown>");
    }

    #[test]
    fn tables_align_columns() {
        let mut t = Table::new(&["NAME", "PHASE"]);
        t.row(vec!["a-long-name".into(), "Running".into()]);
        t.row(vec!["b".into(), "".into()]);
        assert_eq!(
            t.render(),
            "NAME          PHASE\na-long-name   Running\nb\n"
        );
    }
}
