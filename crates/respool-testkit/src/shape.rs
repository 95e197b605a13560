//! Answers made comparable across runs, for `insta` JSON snapshots.

use serde_json::Value;

/// Keys whose values differ on every run.
const VOLATILE: &[&str] = &[
    "creationTimestamp",
    "deletionTimestamp",
    "firstTimestamp",
    "lastTimestamp",
    "beginTimestamp",
    "endTimestamp",
    "create_time",
    "update_time",
    "orderId",
    "orderName",
    "networkId",
    "os.modelarts/resource.id",
    "os.modelarts/order.name",
    "os.modelarts/order.id",
    "os.modelarts/flavor.resource.ids",
    "os.modelarts/tenant.domain.name",
    "os.modelarts.node/underlying.instance.id",
    "os.modelarts.node/batch.uid",
    "operation_time",
    "resourceVersion",
];

fn redact(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if VOLATILE.contains(&k.as_str()) && !child.is_null() {
                    *child = Value::String(format!("[{k}]"));
                } else {
                    redact(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        Value::String(s) => {
            // Event names end in a hash of their time: `<pool>.<16 hex digits>`.
            if let Some((head, tail)) = s.rsplit_once('.') {
                if tail.len() == 16 && tail.bytes().all(|b| b.is_ascii_hexdigit()) {
                    *s = format!("{head}.[hash]");
                }
            }
            // Event messages end with the second they were recorded.
            if let Some(i) = s.find("timestamp: ") {
                *s = format!("{}timestamp: [time].", &s[..i]);
            }
            // Generated names end in five random characters: node names, cluster names.
            for marker in ["-created-", "cluster-snap-"] {
                if let Some(i) = s.find(marker) {
                    let end = i + marker.len();
                    if s.len() == end + 5 {
                        *s = format!("{}[random]", &s[..end]);
                    }
                }
            }
        }
        _ => {}
    }
}

/// The answer with what changes from run to run (times, generated ids and
/// names) redacted.
pub fn shape(mut v: Value) -> Value {
    redact(&mut v);
    v
}

/// [`shape`], with values the test generated (ids it was answered) named.
pub fn shape_naming(v: Value, generated: &[(&str, &str)]) -> Value {
    let mut text = v.to_string();
    for (value, name) in generated {
        text = text.replace(value, &format!("[{name}]"));
    }
    shape(serde_json::from_str(&text).expect("still JSON"))
}
