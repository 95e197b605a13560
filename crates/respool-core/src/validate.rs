//! Name and text rules of the live service.

use std::collections::BTreeMap;

use respool_api_types::keys;

use crate::selector::{validate_label_key, validate_label_value};
use crate::DomainError;

/// `apiVersion` and `kind` of a create request: either left out or the right ones.
pub fn type_meta(
    api_version: &str,
    kind: &str,
    want_version: &str,
    want_kind: &str,
) -> Result<(), DomainError> {
    if !api_version.is_empty() && api_version != want_version {
        return Err(DomainError::invalid(format!(
            "invalid apiVersion {api_version:?}: use {want_version:?}"
        )));
    }
    if !kind.is_empty() && kind != want_kind {
        return Err(DomainError::invalid(format!(
            "invalid kind {kind:?}: use {want_kind:?}"
        )));
    }
    Ok(())
}

/// The display name in `metadata.labels[os.modelarts/name]`, checked.
pub fn display_name_label(
    what: &str,
    labels: &BTreeMap<String, String>,
) -> Result<String, DomainError> {
    let display = labels
        .get(keys::NAME)
        .cloned()
        .ok_or_else(|| DomainError::invalid("metadata.labels[os.modelarts/name] is required"))?;
    display_name(what, &display)?;
    Ok(display)
}

/// Label keys and values, and annotation keys, follow Kubernetes rules.
pub fn labels_and_annotations(
    labels: &BTreeMap<String, String>,
    annotations: &BTreeMap<String, String>,
) -> Result<(), DomainError> {
    for (k, v) in labels {
        validate_label_key(k)
            .map_err(|e| DomainError::invalid(format!("invalid label key {k:?}: {e}")))?;
        validate_label_value(v)
            .map_err(|e| DomainError::invalid(format!("invalid value of label {k:?}: {e}")))?;
    }
    for k in annotations.keys() {
        validate_label_key(k)
            .map_err(|e| DomainError::invalid(format!("invalid annotation key {k:?}: {e}")))?;
    }
    Ok(())
}

/// A pool or network display name: 4-32 characters of lowercase letters,
/// digits and `-`, starting with a letter and not ending with `-`.
pub fn display_name(what: &str, name: &str) -> Result<(), DomainError> {
    let ok_chars = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let starts = name.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
    let ends = !name.ends_with('-');
    if (4..=32).contains(&name.len()) && ok_chars && starts && ends {
        Ok(())
    } else {
        Err(DomainError::invalid(format!(
            "invalid {what} name {name:?}: use 4 to 32 lowercase letters, digits or '-', starting with a letter and not ending with '-'"
        )))
    }
}

/// Descriptions may not contain `!<>=&"'` and are at most 255 characters.
pub fn description(text: &str) -> Result<(), DomainError> {
    if let Some(c) = text.chars().find(|c| "!<>=&\"'".contains(*c)) {
        return Err(DomainError::invalid(format!(
            "invalid description: the character {c:?} is not allowed (none of !<>=&\"')"
        )));
    }
    if text.chars().count() > 255 {
        return Err(DomainError::invalid(
            "invalid description: at most 255 characters",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names() {
        for good in [
            "pool",
            "auto-pool-os",
            "a123",
            "p-1-2-3-4-5-6-7-8-9-0-1-2-3-4-5z",
        ] {
            assert!(display_name("pool", good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "abc",
            "1abc",
            "-abc",
            "abc-",
            "Abcd",
            "ab_cd",
            "ab cd",
            "abcdé",
            &"a".repeat(33),
        ] {
            assert!(display_name("pool", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn descriptions() {
        assert!(description("a plain text, with commas.").is_ok());
        assert!(description("").is_ok());
        for bad in ["a<b", "x=y", "it's", "say \"hi\"", "wow!", "a&b", "a>b"] {
            assert!(description(bad).is_err(), "{bad}");
        }
        assert!(description(&"x".repeat(256)).is_err());
    }
}
