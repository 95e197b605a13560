//! Kubernetes label selectors (`labelSelector=`): parsing never panics, a
//! parsed selector prints to a canonical form that parses back to the same
//! selector (and prints the same again), and matching never panics.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use respool_core::selector::{Operator, Selector};

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let Ok(selector) = Selector::parse(&input) else {
        return;
    };
    let printed = selector.to_string();
    let again = Selector::parse(&printed)
        .unwrap_or_else(|e| panic!("{input:?} printed as {printed:?}, which does not parse: {e}"));
    assert_eq!(again, selector, "{input:?} -> {printed:?}");
    assert_eq!(
        again.to_string(),
        printed,
        "{input:?}: printing is not stable"
    );

    // Label sets built from the selector itself, so matching walks every arm.
    let mut first = BTreeMap::new();
    let mut last = BTreeMap::new();
    let mut numeric = BTreeMap::new();
    for r in selector.requirements() {
        first.insert(r.key.clone(), r.values.first().cloned().unwrap_or_default());
        last.insert(r.key.clone(), r.values.last().cloned().unwrap_or_default());
        numeric.insert(r.key.clone(), "9223372036854775807".to_owned());
        let _ = selector.exact_value(&r.key);
    }
    for labels in [&first, &last, &numeric, &BTreeMap::new()] {
        let m = selector.matches(labels);
        assert_eq!(m, again.matches(labels));
    }
    // A selector of only `=`/`==`/`in` single values matches the labels it names.
    let only_equalities = selector.requirements().iter().all(|r| {
        matches!(
            r.op,
            Operator::Equals | Operator::DoubleEquals | Operator::In
        ) && r.values.len() == 1
    });
    if only_equalities {
        let mut consistent = true;
        for r in selector.requirements() {
            consistent &= first.get(&r.key) == r.values.first();
        }
        if consistent {
            assert!(
                selector.matches(&first),
                "{input:?} does not match {first:?}"
            );
        }
    }
});
