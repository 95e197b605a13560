//! Workspaces: their name rules, the default workspace `"0"` every project
//! has, and how a list is filtered, sorted and paged.

use std::cmp::Ordering;

use respool_api_types::{Workspace, WorkspaceCreate, WorkspaceGrant, WorkspaceUpdate};

use crate::DomainError;

/// The id of the workspace every project has and nobody can delete.
pub const DEFAULT_ID: &str = crate::pool::DEFAULT_WORKSPACE;
/// The name of the default workspace; reserved for it.
pub const DEFAULT_NAME: &str = "default";
pub const NORMAL: &str = "NORMAL";
pub const AUTH_TYPES: [&str; 3] = ["PUBLIC", "PRIVATE", "INTERNAL"];
const DEFAULT_AUTH_TYPE: &str = "PUBLIC";
const DEFAULT_ENTERPRISE_PROJECT_ID: &str = "0";
const DEFAULT_ENTERPRISE_PROJECT_NAME: &str = "default";
/// The largest (and default) page of a list.
pub const MAX_LIMIT: usize = 1000;

/// A workspace name: 4 to 64 letters (any script), digits, `-` or `_`;
/// `default` is reserved.
pub fn validate_name(name: &str) -> Result<(), DomainError> {
    let len = name.chars().count();
    let chars_ok = name
        .chars()
        .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    if !(4..=64).contains(&len) || !chars_ok {
        return Err(DomainError::invalid(format!(
            "invalid workspace name {name:?}: use 4 to 64 letters, digits, '-' or '_'"
        )));
    }
    if name.eq_ignore_ascii_case(DEFAULT_NAME) {
        return Err(DomainError::invalid(
            "invalid workspace name \"default\": it is reserved for the default workspace",
        ));
    }
    Ok(())
}

fn validate_description(text: &str) -> Result<(), DomainError> {
    if text.chars().count() > 256 {
        return Err(DomainError::invalid(
            "invalid workspace description: at most 256 characters",
        ));
    }
    if let Some(c) = text.chars().find(|c| "!<>=&\"'".contains(*c)) {
        return Err(DomainError::invalid(format!(
            "invalid workspace description: the character {c:?} is not allowed (none of !<>=&\"')"
        )));
    }
    Ok(())
}

fn validate_auth(auth_type: &str, grants: &[WorkspaceGrant]) -> Result<(), DomainError> {
    if !AUTH_TYPES.contains(&auth_type) {
        return Err(DomainError::invalid(format!(
            "invalid auth_type {auth_type:?}: use PUBLIC, PRIVATE or INTERNAL"
        )));
    }
    for (i, g) in grants.iter().enumerate() {
        let named = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty());
        if !named(&g.user_id) && !named(&g.user_name) {
            return Err(DomainError::invalid(format!(
                "grants[{i}] needs user_id or user_name"
            )));
        }
        if let Some(t) = g.user_type.as_deref() {
            if !["IAM", "FEDERATE", "AGENCY"].contains(&t) {
                return Err(DomainError::invalid(format!(
                    "grants[{i}].user_type {t:?}: use IAM, FEDERATE or AGENCY"
                )));
            }
        }
    }
    Ok(())
}

/// A new workspace from a create request.
pub fn create(
    req: WorkspaceCreate,
    id: String,
    owner: &str,
    now_ms: i64,
) -> Result<Workspace, DomainError> {
    validate_name(&req.name)?;
    let description = req.description.unwrap_or_default();
    validate_description(&description)?;
    let auth_type = req
        .auth_type
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| DEFAULT_AUTH_TYPE.into());
    let grants = req.grants.unwrap_or_default();
    validate_auth(&auth_type, &grants)?;
    let enterprise_project_id = req
        .enterprise_project_id
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| DEFAULT_ENTERPRISE_PROJECT_ID.into());
    let enterprise_project_name = if enterprise_project_id == DEFAULT_ENTERPRISE_PROJECT_ID {
        DEFAULT_ENTERPRISE_PROJECT_NAME.into()
    } else {
        String::new()
    };
    Ok(Workspace {
        id,
        name: req.name,
        description,
        owner: owner.into(),
        auth_type,
        enterprise_project_id,
        enterprise_project_name,
        create_time: now_ms,
        update_time: now_ms,
        status: NORMAL.into(),
        status_info: String::new(),
        grants,
    })
}

/// The default workspace `"0"` of a project, as first seen at `now_ms`.
pub fn default_workspace(owner: &str, now_ms: i64) -> Workspace {
    Workspace {
        id: DEFAULT_ID.into(),
        name: DEFAULT_NAME.into(),
        description: String::new(),
        owner: owner.into(),
        auth_type: DEFAULT_AUTH_TYPE.into(),
        enterprise_project_id: DEFAULT_ENTERPRISE_PROJECT_ID.into(),
        enterprise_project_name: DEFAULT_ENTERPRISE_PROJECT_NAME.into(),
        create_time: now_ms,
        update_time: now_ms,
        status: NORMAL.into(),
        status_info: String::new(),
        grants: Vec::new(),
    }
}

/// Applies an update (`PUT`): name, description, auth type and grants.
/// The default workspace keeps its name.
pub fn update(ws: &mut Workspace, req: WorkspaceUpdate, now_ms: i64) -> Result<(), DomainError> {
    if let Some(name) = req.name.filter(|n| *n != ws.name) {
        if ws.id == DEFAULT_ID {
            return Err(DomainError::invalid(
                "the default workspace cannot be renamed",
            ));
        }
        validate_name(&name)?;
        ws.name = name;
    }
    if let Some(d) = req.description {
        validate_description(&d)?;
        ws.description = d;
    }
    let auth_type = req
        .auth_type
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| ws.auth_type.clone());
    let grants = req.grants.unwrap_or_else(|| ws.grants.clone());
    validate_auth(&auth_type, &grants)?;
    ws.auth_type = auth_type;
    ws.grants = grants;
    ws.update_time = now_ms;
    Ok(())
}

/// How a workspace list is narrowed and ordered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListOptions {
    pub offset: usize,
    pub limit: usize,
    pub sort_by: SortBy,
    pub descending: bool,
    /// Only workspaces whose name contains this (case-insensitive).
    pub name: Option<String>,
    pub enterprise_project_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    Name,
    UpdateTime,
    Status,
}

impl ListOptions {
    /// From the raw query parameters; defaults: offset 0, limit 1000,
    /// sort by name, descending.
    pub fn parse(
        offset: Option<&str>,
        limit: Option<&str>,
        sort_by: Option<&str>,
        order: Option<&str>,
        name: Option<&str>,
        enterprise_project_id: Option<&str>,
    ) -> Result<ListOptions, DomainError> {
        let number = |field: &str, raw: Option<&str>, default: usize, max: usize| match raw
            .filter(|s| !s.is_empty())
        {
            None => Ok(default),
            Some(s) => s
                .parse::<usize>()
                .ok()
                .filter(|n| *n <= max)
                .ok_or_else(|| {
                    DomainError::invalid(format!(
                        "invalid {field} {s:?}: use an integer from 0 to {max}"
                    ))
                }),
        };
        let offset = number("offset", offset, 0, usize::MAX)?;
        let limit = match number("limit", limit, MAX_LIMIT, MAX_LIMIT)? {
            0 => MAX_LIMIT,
            n => n,
        };
        let sort_by = match sort_by.filter(|s| !s.is_empty()) {
            None | Some("name") => SortBy::Name,
            Some("update_time") => SortBy::UpdateTime,
            Some("status") => SortBy::Status,
            Some(other) => {
                return Err(DomainError::invalid(format!(
                    "invalid sort_by {other:?}: use name, update_time or status"
                )))
            }
        };
        let descending = match order.filter(|s| !s.is_empty()) {
            None | Some("desc") => true,
            Some("asc") => false,
            Some(other) => {
                return Err(DomainError::invalid(format!(
                    "invalid order {other:?}: use asc or desc"
                )))
            }
        };
        let text = |v: Option<&str>| v.filter(|s| !s.is_empty()).map(str::to_owned);
        Ok(ListOptions {
            offset,
            limit,
            sort_by,
            descending,
            name: text(name),
            enterprise_project_id: text(enterprise_project_id),
        })
    }

    /// Filters, sorts and pages `all`; returns the total that matched and the page.
    pub fn apply(&self, all: Vec<Workspace>) -> (usize, Vec<Workspace>) {
        let needle = self.name.as_deref().map(str::to_lowercase);
        let mut matched: Vec<Workspace> = all
            .into_iter()
            .filter(|w| {
                needle
                    .as_deref()
                    .is_none_or(|n| w.name.to_lowercase().contains(n))
            })
            .filter(|w| {
                self.enterprise_project_id
                    .as_deref()
                    .is_none_or(|e| w.enterprise_project_id == e)
            })
            .collect();
        matched.sort_by(|a, b| {
            let key = match self.sort_by {
                SortBy::Name => a.name.cmp(&b.name),
                SortBy::UpdateTime => a.update_time.cmp(&b.update_time),
                SortBy::Status => a.status.cmp(&b.status),
            };
            let key = if self.descending { key.reverse() } else { key };
            // Ties in a stable, documented order: by id.
            match key {
                Ordering::Equal => a.id.cmp(&b.id),
                other => other,
            }
        });
        let total = matched.len();
        let page = matched
            .into_iter()
            .skip(self.offset)
            .take(self.limit)
            .collect();
        (total, page)
    }
}

/// Whether a caller may use a workspace: anyone of the project in a
/// `PUBLIC` one; the account itself (its own keys, `user` `None`) in any;
/// in an `INTERNAL` one also the IAM users its grants name.
pub fn may_use(workspace: &Workspace, user: Option<&str>) -> bool {
    let Some(user) = user else {
        return true;
    };
    match workspace.auth_type.as_str() {
        "PUBLIC" => true,
        "INTERNAL" => workspace
            .grants
            .iter()
            .any(|g| g.user_name.as_deref() == Some(user) || g.user_id.as_deref() == Some(user)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws(id: &str, name: &str, t: i64) -> Workspace {
        Workspace {
            id: id.into(),
            name: name.into(),
            update_time: t,
            ..default_workspace("o", t)
        }
    }

    #[test]
    fn names() {
        for good in ["abcd", "team_a-1", "工作空间名称", &"x".repeat(64)] {
            assert!(validate_name(good).is_ok(), "{good}");
        }
        for bad in [
            "abc",
            "default",
            "DEFAULT",
            "a b c d",
            "abc!",
            &"x".repeat(65),
            "",
        ] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn create_fills_in_defaults() {
        let w = create(
            WorkspaceCreate {
                name: "team-a".into(),
                ..Default::default()
            },
            "f".repeat(32),
            "owner",
            42,
        )
        .unwrap();
        assert_eq!(w.auth_type, "PUBLIC");
        assert_eq!(w.status, "NORMAL");
        assert_eq!((w.create_time, w.update_time), (42, 42));
        assert_eq!(w.enterprise_project_id, "0");
        let bad = WorkspaceCreate {
            name: "team-a".into(),
            auth_type: Some("SECRET".into()),
            ..Default::default()
        };
        assert!(create(bad, "x".into(), "o", 0).is_err());
    }

    #[test]
    fn the_default_workspace_keeps_its_name() {
        let mut d = default_workspace("o", 1);
        let rename = WorkspaceUpdate {
            name: Some("other".into()),
            ..Default::default()
        };
        assert!(update(&mut d, rename, 2).is_err());
        let describe = WorkspaceUpdate {
            name: Some("default".into()),
            description: Some("the usual".into()),
            ..Default::default()
        };
        update(&mut d, describe, 3).unwrap();
        assert_eq!((d.description.as_str(), d.update_time), ("the usual", 3));
    }

    #[test]
    fn lists_sort_filter_and_page() {
        let all = vec![
            ws("0", "default", 5),
            ws("a", "beta", 1),
            ws("b", "alpha", 9),
        ];
        let o = ListOptions::parse(None, None, None, None, None, None).unwrap();
        let (total, page) = o.apply(all.clone());
        assert_eq!(total, 3);
        let names: Vec<&str> = page.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(names, ["default", "beta", "alpha"]);

        let o = ListOptions::parse(
            Some("1"),
            Some("1"),
            Some("update_time"),
            Some("asc"),
            None,
            None,
        )
        .unwrap();
        let (total, page) = o.apply(all.clone());
        assert_eq!((total, page[0].name.as_str()), (3, "default"));

        let o = ListOptions::parse(None, None, None, None, Some("ALP"), None).unwrap();
        assert_eq!(o.apply(all).0, 1);

        assert!(ListOptions::parse(Some("-1"), None, None, None, None, None).is_err());
        assert!(ListOptions::parse(None, Some("1001"), None, None, None, None).is_err());
        assert!(ListOptions::parse(None, None, Some("id"), None, None, None).is_err());
        assert!(ListOptions::parse(None, None, None, Some("up"), None, None).is_err());
    }
}
