//! How the client commands print: kubectl-style tables, JSON, YAML, ages and durations.

use std::time::Duration;

use chrono::{DateTime, Utc};
use respool_api_types::{keys, Node, NodeList, Pool, PoolList};
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

    pub fn render(&self) -> String {
        let cols = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..cols)
            .map(|c| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .map(|s| s.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for row in &self.rows {
            let mut line = String::new();
            for (c, cell) in row.iter().enumerate() {
                line.push_str(cell);
                if c + 1 < row.len() {
                    let pad = widths[c] - cell.chars().count() + 3;
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
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

fn pool_row(pool: &Pool, wide: bool, now: DateTime<Utc>) -> Vec<String> {
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

pub fn pools_table(pools: &[Pool], wide: bool) -> String {
    let mut headers = vec!["NAME", "DISPLAY NAME", "TYPE", "PHASE", "FLAVORS", "SCOPES"];
    if wide {
        headers.extend(["WORKSPACE", "NETWORK", "CREATING", "ABNORMAL", "DELETING"]);
    }
    headers.push("AGE");
    let mut t = Table::new(&headers);
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
