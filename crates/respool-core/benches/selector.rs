//! Label selectors: parsing the `labelSelector` query and matching a pool's labels.
//!
//! `cargo bench -p respool-core --bench selector`

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use respool_core::selector::Selector;

/// Selectors as users write them, from the simplest to a busy one.
const SELECTORS: [(&str, &str); 4] = [
    ("equals", "os.modelarts/name=demo-7"),
    ("set", "env in (prod,staging),tier!=free"),
    (
        "mixed",
        "env in (prod,staging),tier!=free,!deprecated,team,os.modelarts/workspace.id=0",
    ),
    ("numeric", "generation>3,generation<10"),
];

/// The labels of a created pool: what the service fills in plus a few of the user's.
fn pool_labels(i: usize) -> BTreeMap<String, String> {
    let project = "0123456789abcdef0123456789abcdef";
    [
        ("os.modelarts/name", format!("demo-{i}")),
        ("os.modelarts/workspace.id", "0".to_owned()),
        ("os.modelarts/resource.id", format!("maos-demo-{i}-ab12c")),
        ("os.modelarts/tenant.project.id", project.to_owned()),
        ("os.modelarts/tenant.domain.id", "d0".repeat(16)),
        ("os.modelarts/region", "local-1".to_owned()),
        ("os.modelarts.pool/biz", "private".to_owned()),
        ("env", ["prod", "staging", "dev"][i % 3].to_owned()),
        ("tier", ["gold", "free"][i % 2].to_owned()),
        ("team", "ml-infra".to_owned()),
        ("generation", (i % 12).to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("selector/parse");
    for (name, text) in SELECTORS {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(name), text, |b, text| {
            b.iter(|| Selector::parse(black_box(text)).expect("valid selector"))
        });
    }
    g.finish();
}

fn matches(c: &mut Criterion) {
    let labels: Vec<BTreeMap<String, String>> = (0..1000).map(pool_labels).collect();
    let mut g = c.benchmark_group("selector/match_1000_pools");
    g.throughput(Throughput::Elements(labels.len() as u64));
    for (name, text) in SELECTORS {
        let selector = Selector::parse(text).expect("valid selector");
        g.bench_function(name, |b| {
            b.iter(|| {
                labels
                    .iter()
                    .filter(|l| selector.matches(black_box(*l)))
                    .count()
            })
        });
    }
    // The list handler decodes each stored labels document before matching: measure both.
    let stored: Vec<String> = labels
        .iter()
        .map(|l| serde_json::to_string(l).expect("labels encode"))
        .collect();
    let selector = Selector::parse(SELECTORS[1].1).expect("valid selector");
    g.bench_function("set_from_stored_json", |b| {
        b.iter(|| {
            stored
                .iter()
                .filter(|s| {
                    let l: BTreeMap<String, String> =
                        serde_json::from_str(black_box(s)).expect("labels decode");
                    selector.matches(&l)
                })
                .count()
        })
    });
    g.finish();
}

criterion_group!(benches, parse, matches);
criterion_main!(benches);
