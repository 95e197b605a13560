//! Property tests for the label selector: printing round trips, matching
//! against a naive reference model, and no panics on arbitrary input.

use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;
use proptest::sample::select;
use respool_core::selector::{Operator, Selector};

/// The test's own model of a requirement, independent of the crate's types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Exists,
    Absent,
    Eq,
    EqEq,
    Ne,
    In,
    NotIn,
    Gt,
    Lt,
}

#[derive(Debug, Clone)]
struct Req {
    key: String,
    kind: Kind,
    /// As written: may hold duplicates and empty strings.
    values: Vec<String>,
}

/// Keys that label maps also use, so matching tests get hits, plus random valid keys.
const KEY_POOL: [&str; 6] = ["a", "b", "c", "in", "notin", "x.io/k"];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(KEY_POOL.to_vec()).prop_map(String::from),
        1 => "([a-z0-9]{1,3}(\\.[a-z0-9]{1,3}){0,2}/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,6}[A-Za-z0-9])?",
    ]
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just(String::new()),
        3 => select(vec!["v", "w", "in", "notin", "1", "10"]).prop_map(String::from),
        1 => "[A-Za-z0-9]([A-Za-z0-9._-]{0,6}[A-Za-z0-9])?",
    ]
}

fn int_value() -> impl Strategy<Value = String> {
    // Mostly the numbers label maps use, so the boundaries get hit.
    prop_oneof![
        3 => select(vec!["0", "1", "5", "7", "10", "19", "007", "9223372036854775807"]).prop_map(String::from),
        1 => (0u32..30).prop_map(|n| n.to_string()),
    ]
}

fn req() -> impl Strategy<Value = Req> {
    let kind = select(vec![
        Kind::Exists,
        Kind::Absent,
        Kind::Eq,
        Kind::EqEq,
        Kind::Ne,
        Kind::In,
        Kind::NotIn,
        Kind::Gt,
        Kind::Lt,
    ]);
    (
        key(),
        kind,
        prop::collection::vec(value(), 1..4),
        int_value(),
    )
        .prop_map(|(key, kind, list, int)| {
            let values = match kind {
                Kind::Exists | Kind::Absent => vec![],
                Kind::Eq | Kind::EqEq | Kind::Ne => vec![list[0].clone()],
                Kind::In | Kind::NotIn => list,
                Kind::Gt | Kind::Lt => vec![int],
            };
            Req { key, kind, values }
        })
}

/// Whitespace the lexer skips; the pool is consumed gap by gap.
fn spaces() -> impl Strategy<Value = Vec<&'static str>> {
    prop::collection::vec(select(vec!["", "", "", " ", "\t", "\n", "\r\n", "  "]), 32)
}

/// Writes requirements the way a user might, with whitespace in every gap
/// the grammar allows (and at least one space where it needs one).
fn render(reqs: &[Req], spaces: &[&str]) -> String {
    let mut gaps = spaces.iter().cycle();
    let mut gap = || *gaps.next().unwrap_or(&"");
    let mut out = String::new();
    for (i, r) in reqs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(gap());
        match r.kind {
            Kind::Exists => out.push_str(&r.key),
            Kind::Absent => {
                out.push('!');
                out.push_str(gap());
                out.push_str(&r.key);
            }
            Kind::Eq | Kind::EqEq | Kind::Ne | Kind::Gt | Kind::Lt => {
                let op = match r.kind {
                    Kind::Eq => "=",
                    Kind::EqEq => "==",
                    Kind::Ne => "!=",
                    Kind::Gt => ">",
                    _ => "<",
                };
                out.push_str(&r.key);
                out.push_str(gap());
                out.push_str(op);
                out.push_str(gap());
                out.push_str(&r.values[0]);
            }
            Kind::In | Kind::NotIn => {
                out.push_str(&r.key);
                let space = gap();
                out.push_str(if space.is_empty() { " " } else { space });
                out.push_str(if r.kind == Kind::In { "in" } else { "notin" });
                out.push_str(gap());
                out.push('(');
                for (j, v) in r.values.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    out.push_str(gap());
                    out.push_str(v);
                    out.push_str(gap());
                }
                out.push(')');
            }
        }
        out.push_str(gap());
    }
    out
}

fn operator(kind: Kind) -> Operator {
    match kind {
        Kind::Exists => Operator::Exists,
        Kind::Absent => Operator::DoesNotExist,
        Kind::Eq => Operator::Equals,
        Kind::EqEq => Operator::DoubleEquals,
        Kind::Ne => Operator::NotEquals,
        Kind::In => Operator::In,
        Kind::NotIn => Operator::NotIn,
        Kind::Gt => Operator::GreaterThan,
        Kind::Lt => Operator::LessThan,
    }
}

/// What the parser should produce: stable-sorted by key, values as sorted sets.
fn expected(reqs: &[Req]) -> Vec<(String, Operator, Vec<String>)> {
    let mut out: Vec<_> = reqs
        .iter()
        .map(|r| {
            let mut values = r.values.clone();
            values.sort();
            values.dedup();
            (r.key.clone(), operator(r.kind), values)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The canonical form, written out independently of the crate's Display.
fn canonical(expected: &[(String, Operator, Vec<String>)]) -> String {
    let parts: Vec<String> = expected
        .iter()
        .map(|(key, op, values)| {
            let joined = values.join(",");
            match op {
                Operator::Exists => key.clone(),
                Operator::DoesNotExist => format!("!{key}"),
                Operator::Equals => format!("{key}={joined}"),
                Operator::DoubleEquals => format!("{key}=={joined}"),
                Operator::NotEquals => format!("{key}!={joined}"),
                Operator::GreaterThan => format!("{key}>{joined}"),
                Operator::LessThan => format!("{key}<{joined}"),
                Operator::In => format!("{key} in ({joined})"),
                Operator::NotIn => format!("{key} notin ({joined})"),
            }
        })
        .collect();
    parts.join(",")
}

fn as_model(sel: &Selector) -> Vec<(String, Operator, Vec<String>)> {
    sel.requirements()
        .iter()
        .map(|r| (r.key.clone(), r.op, r.values.clone()))
        .collect()
}

/// Reference semantics, straight from the Kubernetes docs and `Requirement.Matches`.
fn naive_matches(reqs: &[Req], labels: &BTreeMap<String, String>) -> bool {
    reqs.iter().all(|r| {
        let label = labels.get(&r.key);
        let listed = |v: &String| r.values.contains(v);
        let int = |s: &str| s.parse::<i64>().ok();
        match r.kind {
            Kind::Exists => label.is_some(),
            Kind::Absent => label.is_none(),
            Kind::Eq | Kind::EqEq | Kind::In => label.is_some_and(listed),
            Kind::Ne | Kind::NotIn => label.is_none_or(|v| !listed(v)),
            Kind::Gt | Kind::Lt => match (label.and_then(|v| int(v)), int(&r.values[0])) {
                (Some(l), Some(b)) => {
                    if r.kind == Kind::Gt {
                        l > b
                    } else {
                        l < b
                    }
                }
                _ => false,
            },
        }
    })
}

fn label_map() -> impl Strategy<Value = BTreeMap<String, String>> {
    let key = select(KEY_POOL.to_vec()).prop_map(String::from);
    let value = select(vec![
        "",
        "v",
        "w",
        "in",
        "notin",
        "1",
        "5",
        "10",
        "19",
        "-3",
        "+4",
        "abc",
        "007",
        "9223372036854775807",
    ])
    .prop_map(String::from);
    prop::collection::btree_map(key, value, 0..6)
}

/// Token soup: mostly the symbols and words the parser cares about.
fn token_soup() -> impl Strategy<Value = String> {
    let piece = select(vec![
        "a", "b", "k1", "in", "notin", "!", "=", "==", "!=", "(", ")", ",", ">", "<", " ", "\t",
        "\n", "-", "1", "é", "\u{0}", "/", "x.io/", "||", "", "7",
    ]);
    prop::collection::vec(piece, 0..24).prop_map(|parts| parts.concat())
}

/// Checks what must hold for any input: an error points inside the input,
/// and a success prints to a form that parses back to the same selector.
fn check_any(input: &str) -> Result<(), TestCaseError> {
    match Selector::parse(input) {
        Ok(sel) => {
            let printed = sel.to_string();
            let again = Selector::parse(&printed)
                .map_err(|e| TestCaseError::fail(format!("{printed:?}: {e}")))?;
            prop_assert_eq!(&again, &sel, "input {:?} printed as {:?}", input, printed);
            prop_assert_eq!(again.to_string(), printed);
        }
        Err(e) => {
            prop_assert!(e.position <= input.len(), "{:?}: {}", input, e);
            prop_assert!(input.is_char_boundary(e.position), "{:?}: {}", input, e);
            prop_assert!(!e.message.is_empty());
            let suffix = format!(" at position {}", e.position);
            prop_assert!(e.to_string().ends_with(&suffix));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parse_print_round_trip(reqs in prop::collection::vec(req(), 0..6), spaces in spaces()) {
        let input = render(&reqs, &spaces);
        let parsed = Selector::parse(&input).map_err(|e| TestCaseError::fail(format!("{input:?}: {e}")))?;
        let want = expected(&reqs);
        prop_assert_eq!(as_model(&parsed), want.clone(), "input {:?}", input);

        let printed = parsed.to_string();
        prop_assert_eq!(&printed, &canonical(&want));
        let reparsed = Selector::parse(&printed).map_err(|e| TestCaseError::fail(format!("{printed:?}: {e}")))?;
        prop_assert_eq!(&reparsed, &parsed);
        prop_assert_eq!(reparsed.to_string(), printed);
    }

    #[test]
    fn matching_agrees_with_naive_model(
        reqs in prop::collection::vec(req(), 0..5),
        spaces in spaces(),
        labels in label_map(),
    ) {
        let input = render(&reqs, &spaces);
        let sel = Selector::parse(&input).map_err(|e| TestCaseError::fail(format!("{input:?}: {e}")))?;
        let want = naive_matches(&reqs, &labels);
        prop_assert_eq!(sel.matches(&labels), want, "{:?} on {:?}", input, labels);
        let hashed: HashMap<String, String> = labels.clone().into_iter().collect();
        prop_assert_eq!(sel.matches(&hashed), want);
        // Every requirement on its own agrees too (catches compensating errors).
        for (r, model) in sel.requirements().iter().zip(sorted(&reqs)) {
            prop_assert_eq!(r.matches(&labels), naive_matches(std::slice::from_ref(&model), &labels), "{}", r);
        }
    }

    #[test]
    fn exact_value_is_sound(reqs in prop::collection::vec(req(), 0..5), spaces in spaces(), labels in label_map()) {
        let sel = Selector::parse(&render(&reqs, &spaces)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        for key in KEY_POOL {
            // A pinned value is necessary: a label set with another value never matches.
            if let Some(v) = sel.exact_value(key) {
                if labels.get(key).map(String::as_str) != Some(v) {
                    prop_assert!(!sel.matches(&labels), "{} pins {}={:?} but matched {:?}", sel, key, v, labels);
                }
            }
        }
    }

    #[test]
    fn parse_never_panics_on_any_string(input in any::<String>()) {
        check_any(&input)?;
    }

    #[test]
    fn parse_never_panics_on_token_soup(input in token_soup()) {
        check_any(&input)?;
    }
}

/// The input requirements in the parser's order (stable by key).
fn sorted(reqs: &[Req]) -> Vec<Req> {
    let mut out = reqs.to_vec();
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}
