//! Pool tags. The live service keeps a pool's tags in the annotation
//! `os.modelarts/tms.tags` as the JSON text of `[{"key","value"}]`; so does
//! respool, so they travel with the pool and show on it.

use std::collections::BTreeMap;

use respool_api_types::{keys, PoolTag, Tag, TagDeletion};

use crate::pool::PoolState;
use crate::DomainError;

/// Keys are 1-128 characters, values 0-255 (the tag service's limits).
const MAX_KEY: usize = 128;
const MAX_VALUE: usize = 255;
/// Tags one pool may carry.
pub const MAX_TAGS: usize = 20;

/// The tags of a pool, in key order. An unreadable annotation reads as none.
pub fn of_annotations(annotations: &BTreeMap<String, String>) -> Vec<Tag> {
    let mut tags: Vec<Tag> = annotations
        .get(keys::TMS_TAGS)
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    tags.sort();
    tags.dedup_by(|a, b| a.key == b.key);
    tags
}

pub fn of_pool(pool: &PoolState) -> Vec<Tag> {
    of_annotations(&pool.pool.metadata.annotations)
}

fn store(pool: &mut PoolState, tags: &[Tag]) {
    let annotations = &mut pool.pool.metadata.annotations;
    if tags.is_empty() {
        annotations.remove(keys::TMS_TAGS);
    } else {
        let text = serde_json::to_string(tags).expect("tags serialize");
        annotations.insert(keys::TMS_TAGS.into(), text);
    }
}

fn validate(tag: &Tag) -> Result<(), DomainError> {
    let key_len = tag.key.chars().count();
    if key_len == 0 || key_len > MAX_KEY || tag.key.trim() != tag.key {
        return Err(DomainError::invalid(format!(
            "invalid tag key {:?}: use 1 to {MAX_KEY} characters without leading or trailing spaces",
            tag.key
        )));
    }
    if tag.value.chars().count() > MAX_VALUE {
        return Err(DomainError::invalid(format!(
            "invalid value of tag {:?}: at most {MAX_VALUE} characters",
            tag.key
        )));
    }
    if tag
        .key
        .chars()
        .chain(tag.value.chars())
        .any(|c| c.is_control() || "=*<>\\,|/".contains(c))
    {
        return Err(DomainError::invalid(format!(
            "invalid tag {:?}: keys and values may not contain control characters or any of =*<>\\,|/",
            tag.key
        )));
    }
    Ok(())
}

/// Adds tags to a pool; a tag with a key the pool has replaces its value.
pub fn add(pool: &mut PoolState, new: &[Tag]) -> Result<(), DomainError> {
    if new.is_empty() {
        return Err(DomainError::invalid("tags must name at least one tag"));
    }
    let mut tags: BTreeMap<String, String> = of_pool(pool)
        .into_iter()
        .map(|t| (t.key, t.value))
        .collect();
    for t in new {
        validate(t)?;
        tags.insert(t.key.clone(), t.value.clone());
    }
    if tags.len() > MAX_TAGS {
        return Err(DomainError::invalid(format!(
            "a pool may have at most {MAX_TAGS} tags; it would have {}",
            tags.len()
        )));
    }
    let tags: Vec<Tag> = tags
        .into_iter()
        .map(|(key, value)| Tag { key, value })
        .collect();
    store(pool, &tags);
    Ok(())
}

/// Removes tags by key; a deletion that names a value removes the tag only
/// if it has that value. Keys the pool does not have are ignored.
pub fn remove(pool: &mut PoolState, gone: &[TagDeletion]) -> Result<(), DomainError> {
    if gone.is_empty() {
        return Err(DomainError::invalid("tags must name at least one tag"));
    }
    if let Some(d) = gone.iter().find(|d| d.key.is_empty()) {
        return Err(DomainError::invalid(format!(
            "invalid tag key {:?}: a key is required",
            d.key
        )));
    }
    let tags: Vec<Tag> = of_pool(pool)
        .into_iter()
        .filter(|t| {
            !gone
                .iter()
                .any(|d| d.key == t.key && d.value.as_ref().is_none_or(|v| *v == t.value))
        })
        .collect();
    store(pool, &tags);
    Ok(())
}

/// Groups tags by key, each key with its distinct values, both sorted.
pub fn grouped<'a>(tags: impl IntoIterator<Item = &'a Tag>) -> Vec<PoolTag> {
    let mut by_key: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for t in tags {
        let values = by_key.entry(&t.key).or_default();
        if !values.contains(&t.value.as_str()) {
            values.push(&t.value);
        }
    }
    by_key
        .into_iter()
        .map(|(key, mut values)| {
            values.sort_unstable();
            PoolTag {
                key: key.into(),
                values: values.into_iter().map(str::to_owned).collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(k: &str, v: &str) -> Tag {
        Tag {
            key: k.into(),
            value: v.into(),
        }
    }

    #[test]
    fn grouping_merges_values_per_key() {
        let tags = [
            tag("env", "prod"),
            tag("team", "a"),
            tag("env", "dev"),
            tag("env", "prod"),
        ];
        let g = grouped(tags.iter());
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].key, "env");
        assert_eq!(g[0].values, ["dev", "prod"]);
        assert_eq!(g[1].values, ["a"]);
    }

    #[test]
    fn garbage_in_the_annotation_reads_as_no_tags() {
        let mut a = BTreeMap::new();
        a.insert(keys::TMS_TAGS.to_owned(), "not json".to_owned());
        assert!(of_annotations(&a).is_empty());
        a.insert(
            keys::TMS_TAGS.to_owned(),
            r#"[{"key":"b","value":"1"},{"key":"a","value":"2"}]"#.to_owned(),
        );
        assert_eq!(of_annotations(&a), vec![tag("a", "2"), tag("b", "1")]);
    }

    #[test]
    fn tag_rules() {
        assert!(validate(&tag("env", "")).is_ok());
        assert!(validate(&tag("", "x")).is_err());
        assert!(validate(&tag(" env", "x")).is_err());
        assert!(validate(&tag(&"k".repeat(129), "x")).is_err());
        assert!(validate(&tag("env", &"v".repeat(256))).is_err());
        assert!(validate(&tag("a=b", "x")).is_err());
    }
}
