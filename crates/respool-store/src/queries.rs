//! Every statement both backends run, written once with `?` placeholders.
//! SQLite runs the text as written; PostgreSQL runs it with the placeholders
//! numbered (`$1`, `$2`, …), rewritten once per statement. What differs by
//! dialect stays with its backend (`claim_due_pools`).
//!
//! A statement with optional filters is assembled by a [`Query`]: its text
//! and the values it binds, in order, for either backend to run.

use std::sync::OnceLock;

use respool_core::pool::EVENT_RESOURCE;

use crate::feed::NewChange;
use crate::nodes::{NodeRow, NodeWrites};
use crate::orders_events::RecordRow;
use crate::{EventQuery, OrderQuery, PoolQuery};

/// One fixed statement in both spellings.
pub(crate) struct Statement {
    text: &'static str,
    numbered: OnceLock<String>,
}

impl Statement {
    const fn new(text: &'static str) -> Self {
        Statement {
            text,
            numbered: OnceLock::new(),
        }
    }

    /// The text with `?` placeholders, as SQLite takes it.
    pub fn sqlite(&'static self) -> &'static str {
        self.text
    }

    /// The text with `$n` placeholders, as PostgreSQL takes it.
    pub fn postgres(&'static self) -> &'static str {
        self.numbered.get_or_init(|| numbered(self.text))
    }
}

/// Rewrites SQLite's placeholders as PostgreSQL's, by SQLite's own rule: `?N`
/// is parameter N, and a bare `?` is one more than the largest number so far.
/// Quoted text is left alone.
pub(crate) fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut largest = 0u32;
    let mut quote = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '?') => {
                let mut digits = String::new();
                while let Some(d) = chars.next_if(char::is_ascii_digit) {
                    digits.push(d);
                }
                let n = match digits.parse::<u32>() {
                    Ok(n) => n,
                    Err(_) => largest + 1,
                };
                largest = largest.max(n);
                out.push('$');
                out.push_str(&n.to_string());
                continue;
            }
            (None, _) => {}
        }
        out.push(c);
    }
    out
}

/// A value a [`Query`] binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arg<'q> {
    Text(&'q str),
    Int(i64),
}

/// A statement assembled from optional filters, with the values it binds.
#[derive(Debug, Clone)]
pub(crate) struct Query<'q> {
    text: String,
    args: Vec<Arg<'q>>,
}

impl<'q> Query<'q> {
    pub fn new(text: &str) -> Self {
        Query {
            text: text.to_owned(),
            args: Vec::new(),
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn text(&mut self, value: &'q str) -> &mut Self {
        self.bind(Arg::Text(value))
    }

    /// Appends a placeholder bound to `value`.
    pub fn int(&mut self, value: i64) -> &mut Self {
        self.bind(Arg::Int(value))
    }

    fn bind(&mut self, arg: Arg<'q>) -> &mut Self {
        self.text.push('?');
        self.args.push(arg);
        self
    }

    /// The text with `?` placeholders, as SQLite takes it.
    pub fn sqlite(&self) -> &str {
        &self.text
    }

    /// The text with `$n` placeholders, as PostgreSQL takes it.
    pub fn postgres(&self) -> String {
        numbered(&self.text)
    }

    pub fn args(&self) -> &[Arg<'q>] {
        &self.args
    }
}

// Pools.

pub(crate) static INSERT_POOL: Statement = Statement::new(
    "INSERT INTO pools (project_id, name, workspace_id, phase, parent, created_ms, version, next_due_ms, labels, doc, state, incarnation)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
);

pub(crate) static GET_POOL: Statement = Statement::new(
    "SELECT version, doc, state, incarnation FROM pools WHERE project_id = ? AND name = ?",
);

pub(crate) static UPDATE_POOL: Statement = Statement::new(
    "UPDATE pools SET workspace_id = ?, phase = ?, parent = ?, version = version + 1, next_due_ms = ?, labels = ?, doc = ?, state = ?, incarnation = ?
     WHERE project_id = ? AND name = ? AND version = ?",
);

pub(crate) static RETIRE_POOL: Statement =
    Statement::new("DELETE FROM pools WHERE project_id = ? AND name = ? AND version = ?");

pub(crate) static DUE_BACKLOG: Statement = Statement::new(
    "SELECT COUNT(*), MIN(next_due_ms) FROM pools WHERE next_due_ms IS NOT NULL AND next_due_ms <= ?",
);

pub(crate) static ALL_POOLS: Statement =
    Statement::new("SELECT project_id, name FROM pools ORDER BY created_ms, project_id, name");

/// What [`crate::Store::remove_all`] runs, in order: the records first.
pub(crate) static DELETE_EVENTS: Statement = Statement::new("DELETE FROM events");
pub(crate) static DELETE_ORDERS: Statement = Statement::new("DELETE FROM orders");
pub(crate) static DELETE_ALL_NODES: Statement = Statement::new("DELETE FROM pool_nodes");
pub(crate) static DELETE_POOLS: Statement = Statement::new("DELETE FROM pools");
pub(crate) static DELETE_NETWORKS: Statement = Statement::new("DELETE FROM networks");
pub(crate) static DELETE_WORKSPACES: Statement = Statement::new("DELETE FROM workspaces");

// A pool's nodes (see `crate::nodes`).

pub(crate) static POOL_NODES: Statement =
    Statement::new("SELECT seq, body FROM pool_nodes WHERE project_id = ? AND pool_name = ?");

pub(crate) static RETIRE_NODES: Statement =
    Statement::new("DELETE FROM pool_nodes WHERE project_id = ? AND pool_name = ?");

/// Nodes per statement: well under either backend's limit on bound values.
const NODES_PER_STATEMENT: usize = 200;

/// What writes the node rows of one pool, in statements of at most
/// [`NODES_PER_STATEMENT`] nodes.
pub(crate) fn node_writes<'q>(
    project_id: &'q str,
    pool: &'q str,
    writes: &'q NodeWrites,
) -> impl Iterator<Item = Query<'q>> {
    let upserts = writes.upserts.chunks(NODES_PER_STATEMENT);
    let deletes = writes.deletes.chunks(NODES_PER_STATEMENT);
    upserts
        .map(move |chunk| upsert_nodes(project_id, pool, chunk))
        .chain(deletes.map(move |chunk| delete_nodes(project_id, pool, chunk)))
}

/// Writes nodes of one pool, new or changed; a changed node keeps its `seq`.
fn upsert_nodes<'q>(project_id: &'q str, pool: &'q str, nodes: &'q [NodeRow]) -> Query<'q> {
    let mut sql =
        Query::new("INSERT INTO pool_nodes (project_id, pool_name, name, seq, body) VALUES ");
    for (i, n) in nodes.iter().enumerate() {
        sql.push(if i == 0 { "(" } else { ", (" });
        sql.text(project_id)
            .push(", ")
            .text(pool)
            .push(", ")
            .text(&n.name);
        sql.push(", ").int(n.seq).push(", ").text(&n.body).push(")");
    }
    sql.push(" ON CONFLICT (project_id, pool_name, name) DO UPDATE SET body = excluded.body");
    sql
}

/// Removes nodes of one pool by name.
fn delete_nodes<'q>(project_id: &'q str, pool: &'q str, names: &'q [String]) -> Query<'q> {
    let mut sql = Query::new("DELETE FROM pool_nodes WHERE project_id = ");
    sql.text(project_id)
        .push(" AND pool_name = ")
        .text(pool)
        .push(" AND name IN (");
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.text(name);
    }
    sql.push(")");
    sql
}

/// The list query. On SQLite every filter narrows a scan of the project's
/// range of the primary key, which is already in list order (see migration
/// 0006).
pub(crate) fn list_pools<'q>(q: &PoolQuery<'q>) -> Query<'q> {
    let mut sql =
        Query::new("SELECT name, labels, doc, next_due_ms FROM pools WHERE project_id = ");
    sql.text(q.project_id);
    if let Some(ws) = q.workspace_id {
        sql.push(" AND workspace_id = ").text(ws);
    }
    if let Some(phases) = &q.phases {
        sql.push(" AND phase IN (");
        for (i, p) in phases.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.text(p);
        }
        sql.push(")");
    }
    if let Some(parent) = q.parent {
        sql.push(" AND parent = ").text(parent);
    }
    sql.push(" ORDER BY created_ms, name");
    sql
}

pub(crate) fn due_pools<'q>(project_id: Option<&'q str>, now_ms: i64, limit: u32) -> Query<'q> {
    let mut sql = Query::new(
        "SELECT project_id, name FROM pools WHERE next_due_ms IS NOT NULL AND next_due_ms <= ",
    );
    sql.int(now_ms);
    if let Some(p) = project_id {
        sql.push(" AND project_id = ").text(p);
    }
    sql.push(" ORDER BY next_due_ms LIMIT ")
        .int(i64::from(limit));
    sql
}

pub(crate) fn count_pools_by_phase<'q>(
    project_id: Option<&'q str>,
    workspace_id: Option<&'q str>,
) -> Query<'q> {
    let mut sql = Query::new("SELECT phase, COUNT(*) FROM pools WHERE 1 = 1");
    if let Some(p) = project_id {
        sql.push(" AND project_id = ").text(p);
    }
    if let Some(w) = workspace_id {
        sql.push(" AND workspace_id = ").text(w);
    }
    sql.push(" GROUP BY phase ORDER BY phase");
    sql
}

// The change feed (see `crate::feed`).

/// Takes the project's next number, and moves its floor up so that at most
/// `?2` writes stay; answers `(seq, floor)`. On PostgreSQL the row stays
/// locked until the write commits, so numbers commit in order.
pub(crate) static BUMP_FEED: Statement = Statement::new(
    "INSERT INTO feed_heads (project_id, seq, floor) VALUES (?1, 1, 0)
     ON CONFLICT (project_id) DO UPDATE SET seq = feed_heads.seq + 1,
         floor = CASE WHEN feed_heads.seq + 1 - ?2 > feed_heads.floor THEN feed_heads.seq + 1 - ?2 ELSE feed_heads.floor END
     RETURNING seq, floor",
);

pub(crate) static TRIM_FEED: Statement =
    Statement::new("DELETE FROM changes WHERE project_id = ? AND seq <= ?");

pub(crate) static FEED_HEAD: Statement =
    Statement::new("SELECT seq, floor FROM feed_heads WHERE project_id = ?");

pub(crate) static CHANGES_AFTER: Statement = Statement::new(
    "SELECT seq, ord, kind, pool_name, change, doc FROM changes
     WHERE project_id = ? AND (seq, ord) > (?, ?) ORDER BY seq, ord LIMIT ?",
);

/// What [`crate::Store::remove_all`] does to the feed: a number of its own,
/// and everything up to it too old to watch from, so watchers list again.
pub(crate) static DELETE_CHANGES: Statement = Statement::new("DELETE FROM changes");
pub(crate) static FEED_FLOORS_UP: Statement =
    Statement::new("UPDATE feed_heads SET seq = seq + 1, floor = seq + 1");

/// Changes per statement: well under either backend's limit on bound values.
const CHANGES_PER_STATEMENT: usize = 200;

/// What records write `seq`'s changes: the pool's first, then `rest`.
pub(crate) fn insert_changes<'q>(
    project_id: &'q str,
    pool: &'q str,
    seq: i64,
    first: &'q NewChange,
    rest: &'q [NewChange],
) -> impl Iterator<Item = Query<'q>> {
    let all: Vec<&'q NewChange> = std::iter::once(first).chain(rest).collect();
    let chunks: Vec<Vec<(i64, &'q NewChange)>> = all
        .into_iter()
        .enumerate()
        .map(|(ord, c)| (ord as i64, c))
        .collect::<Vec<_>>()
        .chunks(CHANGES_PER_STATEMENT)
        .map(<[_]>::to_vec)
        .collect();
    chunks.into_iter().map(move |chunk| {
        let mut sql = Query::new(
            "INSERT INTO changes (project_id, seq, ord, kind, pool_name, change, doc) VALUES ",
        );
        for (i, (ord, c)) in chunk.into_iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.text(project_id).push(", ").int(seq).push(", ").int(ord);
            sql.push(", ").text(c.kind.as_str()).push(", ").text(pool);
            sql.push(", ")
                .text(c.change.as_str())
                .push(", ")
                .text(&c.doc)
                .push(")");
        }
        sql
    })
}

// Orders and events.

/// Writes over an order only if it is the same pool's: two pools' order names
/// cannot then clobber each other, however unlikely a clash is.
pub(crate) static UPSERT_ORDER: Statement = Statement::new(
    "INSERT INTO orders (project_id, name, resource_name, display_name, workspace_id, phase, created_ms, doc, items)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (project_id, name) DO UPDATE SET phase = excluded.phase, doc = excluded.doc, items = excluded.items WHERE orders.resource_name = excluded.resource_name",
);

/// Writing the same event again does nothing.
pub(crate) static INSERT_EVENT: Statement = Statement::new(
    "INSERT INTO events (project_id, resource, name, uid, created_ms, event_type, doc) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, uid) DO NOTHING",
);

/// What writes one record of a pool of `project_id`, and the values it binds.
pub(crate) fn record<'a>(
    project_id: &'a str,
    row: &'a RecordRow,
) -> (&'static Statement, Vec<Arg<'a>>) {
    use Arg::{Int, Text};
    match row {
        RecordRow::Order {
            name,
            resource_name,
            display_name,
            workspace_id,
            phase,
            created_ms,
            doc,
            items,
        } => (
            &UPSERT_ORDER,
            vec![
                Text(project_id),
                Text(name),
                Text(resource_name),
                Text(display_name),
                Text(workspace_id),
                Text(phase),
                Int(*created_ms),
                Text(doc),
                Text(items),
            ],
        ),
        RecordRow::Event {
            name,
            uid,
            created_ms,
            event_type,
            doc,
        } => (
            &INSERT_EVENT,
            vec![
                Text(project_id),
                Text(EVENT_RESOURCE),
                Text(name),
                Text(uid),
                Int(*created_ms),
                Text(event_type),
                Text(doc),
            ],
        ),
    }
}

pub(crate) static GET_ORDER_ITEMS: Statement =
    Statement::new("SELECT items FROM orders WHERE project_id = ? AND name = ?");

/// ` WHERE …` for an order query.
fn order_filters<'q>(sql: &mut Query<'q>, q: &OrderQuery<'q>) {
    sql.push(" WHERE project_id = ").text(q.project_id);
    if let Some(n) = q.involved_name {
        sql.push(" AND (resource_name = ")
            .text(n)
            .push(" OR display_name = ")
            .text(n)
            .push(")");
    }
    if let Some(w) = q.workspace_id {
        sql.push(" AND workspace_id = ").text(w);
    }
    if let Some(p) = q.phase {
        sql.push(" AND phase = ").text(p);
    }
    if let Some(t) = q.since_ms {
        sql.push(" AND created_ms >= ").int(t);
    }
    if let Some(t) = q.until_ms {
        sql.push(" AND created_ms <= ").int(t);
    }
}

/// How many orders match an order query.
pub(crate) fn count_orders<'q>(q: &OrderQuery<'q>) -> Query<'q> {
    let mut sql = Query::new("SELECT COUNT(*) FROM orders");
    order_filters(&mut sql, q);
    sql
}

/// One page of the orders that match, newest first.
pub(crate) fn order_page<'q>(q: &OrderQuery<'q>) -> Query<'q> {
    let mut sql = Query::new("SELECT doc FROM orders");
    order_filters(&mut sql, q);
    sql.push(" ORDER BY created_ms DESC, id DESC LIMIT ")
        .int(i64::from(q.limit))
        .push(" OFFSET ")
        .int(i64::from(q.offset));
    sql
}

/// `SELECT created_ms, id, doc FROM events WHERE … ORDER BY … LIMIT …` for
/// an event query.
pub(crate) fn events<'q>(q: &EventQuery<'q>) -> Query<'q> {
    let mut sql = Query::new("SELECT created_ms, id, doc FROM events WHERE project_id = ");
    sql.text(q.project_id)
        .push(" AND resource = ")
        .text(q.resource);
    if let Some(name) = q.name {
        sql.push(" AND name = ").text(name);
    }
    if let Some(t) = q.event_type {
        sql.push(" AND event_type = ").text(t);
    }
    if let Some(t) = q.since_ms {
        sql.push(" AND created_ms >= ").int(t);
    }
    if let Some(t) = q.until_ms {
        sql.push(" AND created_ms <= ").int(t);
    }
    let (cmp, dir) = if q.ascending {
        (">", "ASC")
    } else {
        ("<", "DESC")
    };
    if let Some(c) = q.after {
        sql.push(&format!(" AND (created_ms {cmp} "))
            .int(c.created_ms)
            .push(" OR (created_ms = ")
            .int(c.created_ms)
            .push(&format!(" AND id {cmp} "))
            .int(c.id)
            .push("))");
    }
    sql.push(&format!(" ORDER BY created_ms {dir}, id {dir} LIMIT "))
        .int(i64::from(q.limit));
    sql
}

// Faults.

pub(crate) static INSERT_FAULT: Statement = Statement::new(
    "INSERT INTO faults (id, label_selector, effect, count, created_ms) VALUES (?, ?, ?, ?, ?)",
);

pub(crate) static LIST_FAULTS: Statement = Statement::new(
    "SELECT id, label_selector, effect, count, created_ms FROM faults ORDER BY created_ms, id",
);

pub(crate) static DELETE_FAULT: Statement = Statement::new("DELETE FROM faults WHERE id = ?");

pub(crate) static DELETE_ALL_FAULTS: Statement = Statement::new("DELETE FROM faults");

// Settings.

pub(crate) static GET_SETTING: Statement =
    Statement::new("SELECT value FROM settings WHERE key = ?");

pub(crate) static PUT_SETTING: Statement = Statement::new(
    "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
);

// Credentials and users.

pub(crate) static INSERT_CREDENTIAL: Statement = Statement::new(
    "INSERT INTO credentials (access_key, secret_key, domain_id, project_ids, security_token, expires_ms, created_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?)",
);

/// The columns both credential reads select, in the order their rows decode.
macro_rules! select_credentials {
    ($rest:literal) => {
        concat!(
            "SELECT access_key, secret_key, domain_id, project_ids, security_token, expires_ms, created_ms FROM credentials",
            $rest
        )
    };
}

pub(crate) static GET_CREDENTIAL: Statement =
    Statement::new(select_credentials!(" WHERE access_key = ?"));

pub(crate) static LIST_CREDENTIALS: Statement =
    Statement::new(select_credentials!(" ORDER BY created_ms, access_key"));

pub(crate) static REVOKE_CREDENTIAL: Statement =
    Statement::new("DELETE FROM credentials WHERE access_key = ?");

pub(crate) static INSERT_USER: Statement = Statement::new(
    "INSERT INTO users (name, password_hash, domain_id, project_ids, created_ms) VALUES (?, ?, ?, ?, ?)",
);

pub(crate) static GET_USER: Statement = Statement::new(
    "SELECT name, password_hash, domain_id, project_ids, created_ms FROM users WHERE name = ?",
);

pub(crate) static LIST_USER_NAMES: Statement =
    Statement::new("SELECT name FROM users WHERE domain_id = ? ORDER BY name");

// Networks.

pub(crate) static INSERT_NETWORK: Statement = Statement::new(
    "INSERT INTO networks (project_id, name, created_ms, ready_ms, version, labels, doc) VALUES (?, ?, ?, ?, ?, ?, ?)",
);

pub(crate) static GET_NETWORK: Statement = Statement::new(
    "SELECT created_ms, ready_ms, version, doc FROM networks WHERE project_id = ? AND name = ?",
);

pub(crate) static LIST_NETWORKS: Statement = Statement::new(
    "SELECT created_ms, ready_ms, version, doc FROM networks WHERE project_id = ? ORDER BY created_ms, name",
);

pub(crate) static UPDATE_NETWORK: Statement = Statement::new(
    "UPDATE networks SET version = version + 1, labels = ?, doc = ? WHERE project_id = ? AND name = ? AND version = ?",
);

pub(crate) static DELETE_NETWORK: Statement =
    Statement::new("DELETE FROM networks WHERE project_id = ? AND name = ?");

// Workspaces.

pub(crate) static INSERT_WORKSPACE: Statement = Statement::new(
    "INSERT INTO workspaces (project_id, id, name, created_ms, doc) VALUES (?, ?, ?, ?, ?)",
);

pub(crate) static GET_WORKSPACE: Statement =
    Statement::new("SELECT doc FROM workspaces WHERE project_id = ? AND id = ?");

pub(crate) static LIST_WORKSPACES: Statement =
    Statement::new("SELECT doc FROM workspaces WHERE project_id = ? ORDER BY created_ms, id");

pub(crate) static UPDATE_WORKSPACE: Statement =
    Statement::new("UPDATE workspaces SET name = ?, doc = ? WHERE project_id = ? AND id = ?");

pub(crate) static DELETE_WORKSPACE: Statement =
    Statement::new("DELETE FROM workspaces WHERE project_id = ? AND id = ?");

// Quota settings.

pub(crate) static GET_QUOTAS: Statement =
    Statement::new("SELECT doc FROM quota_settings WHERE project_id = ? AND scope = ?");

pub(crate) static PUT_QUOTAS: Statement = Statement::new(
    "INSERT INTO quota_settings (project_id, scope, doc) VALUES (?, ?, ?) ON CONFLICT (project_id, scope) DO UPDATE SET doc = excluded.doc",
);

pub(crate) static DELETE_ALL_QUOTAS: Statement = Statement::new("DELETE FROM quota_settings");

// Health.

pub(crate) static PING: Statement = Statement::new("SELECT 1");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        assert_eq!(
            numbered("UPDATE t SET a = ?, b = ? WHERE c = ?"),
            "UPDATE t SET a = $1, b = $2 WHERE c = $3"
        );
        assert_eq!(numbered("SELECT 1"), "SELECT 1");
    }

    #[test]
    fn numbered_placeholders_keep_their_number_as_sqlite_reads_them() {
        // SQLite: `?3` is parameter 3, a later bare `?` is 4, `?1` again is 1.
        assert_eq!(
            numbered("a = ?1 AND b = ?3 AND c = ? AND d = ?1"),
            "a = $1 AND b = $3 AND c = $4 AND d = $1"
        );
    }

    #[test]
    fn quoted_question_marks_are_not_placeholders() {
        assert_eq!(
            numbered(r#"SELECT '?', "a?b" FROM t WHERE x = ? AND y = 'it''s ?'"#),
            r#"SELECT '?', "a?b" FROM t WHERE x = $1 AND y = 'it''s ?'"#
        );
    }

    #[test]
    fn a_built_query_binds_what_it_names_in_order() {
        let q = list_pools(&PoolQuery {
            project_id: "p",
            workspace_id: Some("w"),
            phases: Some(vec!["Running", "Abnormal"]),
            parent: None,
        });
        assert_eq!(
            q.postgres(),
            "SELECT name, labels, doc, next_due_ms FROM pools WHERE project_id = $1 AND workspace_id = $2 AND phase IN ($3, $4) ORDER BY created_ms, name"
        );
        assert_eq!(
            q.args(),
            [
                Arg::Text("p"),
                Arg::Text("w"),
                Arg::Text("Running"),
                Arg::Text("Abnormal")
            ]
        );
    }

    /// The backends bind and decode; the only statement either spells for
    /// itself is its dialect's `claim_due_pools`.
    #[test]
    fn backends_spell_no_statement_of_their_own_but_the_claim() {
        let backends = [
            ("sqlite/mod.rs", include_str!("sqlite/mod.rs")),
            (
                "sqlite/orders_events.rs",
                include_str!("sqlite/orders_events.rs"),
            ),
            ("sqlite/sql.rs", include_str!("sqlite/sql.rs")),
            ("sqlite/connection.rs", include_str!("sqlite/connection.rs")),
            ("sqlite/writer.rs", include_str!("sqlite/writer.rs")),
            ("postgres/mod.rs", include_str!("postgres/mod.rs")),
            (
                "postgres/orders_events.rs",
                include_str!("postgres/orders_events.rs"),
            ),
        ];
        for (file, source) in backends {
            let code = source.split("#[cfg(test)]").next().unwrap();
            let spelled: Vec<&str> = [
                "\"SELECT ",
                "\"INSERT ",
                "\"UPDATE ",
                "\"DELETE ",
                "\"WITH ",
            ]
            .iter()
            .flat_map(|kw| code.match_indices(kw))
            .map(|(at, _)| code[at + 1..].split('\n').next().unwrap())
            .collect();
            let allowed: &[&str] = if file.ends_with("mod.rs") {
                &["UPDATE pools SET lease_owner = "]
            } else {
                &[]
            };
            assert_eq!(
                spelled.len(),
                allowed.len(),
                "{file} spells statements of its own: {spelled:?}"
            );
            for (s, a) in spelled.iter().zip(allowed) {
                assert!(s.starts_with(a), "{file}: {s}");
            }
        }
    }

    #[test]
    fn the_postgres_spelling_is_computed_once() {
        let first = GET_POOL.postgres();
        assert_eq!(
            first,
            "SELECT version, doc, state, incarnation FROM pools WHERE project_id = $1 AND name = $2"
        );
        assert!(std::ptr::eq(first, GET_POOL.postgres()));
    }
}
