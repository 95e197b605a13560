//! The flavor catalog: the built-in data, node resources, loading extra
//! flavors from a file and overriding by name.

use std::collections::BTreeMap;

use respool_core::flavors::{
    az_name, az_suffix, AcceleratorKind, Catalog, Flavor, FlavorError, BILLING_MODES, CPU_ARCHES,
    SCOPES,
};

/// Flavor names seen in real ModelArts use; the catalog must know them all.
const REAL_NAMES: [&str; 8] = [
    "modelarts.vm.cpu.8ud",
    "modelarts.vm.cpu.16u64g.d",
    "modelarts.vm.cpu.4ud",
    "modelarts.vm.cpu.2u.d",
    "modelarts.vm.gpu.tnt004",
    "modelarts.vm.gpu.t4u8",
    "modelarts.kat1.8xlarge",
    "modelarts.bm.npu.arm.8snt9b3.i6l.d.c004",
];

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A minimal valid CPU flavor as catalog-file JSON.
fn cpu_json(name: &str, cpu: u32) -> String {
    format!(
        r#"{{"name": "{name}", "kind": "cpu", "cpu_arch": "x86", "cpu": {cpu}, "memory_gi": 8,
            "root_volume": {{"volume_type": "SSD", "size_gi": 100}},
            "billing_modes": [0], "scopes": ["Train"], "az_phase": {{"a": "normal"}}}}"#
    )
}

fn sample(name: &str, cpu: u32) -> Flavor {
    let mut v = Catalog::from_json(&format!("[{}]", cpu_json(name, cpu))).unwrap();
    v.remove(0)
}

fn err_of(text: &str) -> String {
    match Catalog::from_json(text) {
        Ok(v) => panic!("expected an error, got {} flavors", v.len()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn builtin_parses_and_has_a_realistic_size() {
    let json = include_str!("../src/flavors.json");
    let parsed = Catalog::from_json(json).expect("embedded flavors.json must be valid");
    assert!(
        (15..=25).contains(&parsed.len()),
        "catalog has {} flavors",
        parsed.len()
    );
    let catalog = Catalog::builtin();
    assert_eq!(catalog.len(), parsed.len());
    assert!(!catalog.is_empty());
}

#[test]
fn builtin_contains_every_real_name() {
    let catalog = Catalog::builtin();
    for name in REAL_NAMES {
        let f = catalog
            .get(name)
            .unwrap_or_else(|| panic!("missing {name}"));
        assert_eq!(f.name, name);
    }
    assert!(catalog.get("modelarts.vm.cpu.nope").is_none());
}

#[test]
fn builtin_names_are_unique_and_sorted() {
    let catalog = Catalog::builtin();
    let names: Vec<&str> = catalog.all().iter().map(|f| f.name.as_str()).collect();
    for pair in names.windows(2) {
        assert!(pair[0] < pair[1], "{} !< {}", pair[0], pair[1]);
    }
    // The file itself is sorted too, so diffs stay readable.
    let raw = Catalog::from_json(include_str!("../src/flavors.json")).unwrap();
    let raw_names: Vec<&str> = raw.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(raw_names, names);
}

#[test]
fn builtin_entries_are_well_formed() {
    let catalog = Catalog::builtin();
    for f in catalog.all() {
        f.validate().unwrap();
        assert!(CPU_ARCHES.contains(&f.cpu_arch.as_str()), "{}", f.name);
        assert!(!f.scopes.is_empty(), "{}", f.name);
        assert!(
            f.scopes.iter().all(|s| SCOPES.contains(&s.as_str())),
            "{}",
            f.name
        );
        assert!(!f.billing_modes.is_empty(), "{}", f.name);
        assert!(
            f.billing_modes.iter().all(|m| BILLING_MODES.contains(m)),
            "{}",
            f.name
        );
        assert_eq!(f.pool_type, "Dedicate", "{}", f.name);
        assert!(f.cpu > 0 && f.memory_gi >= f.cpu, "{}", f.name);
        assert!(!f.job_flavors.is_empty(), "{}", f.name);
        match f.kind {
            AcceleratorKind::Cpu => assert!(f.accelerator.is_none(), "{}", f.name),
            AcceleratorKind::Gpu => {
                let acc = f.accelerator.as_ref().unwrap();
                assert_eq!(acc.resource_name, "nvidia.com/gpu", "{}", f.name);
                assert!(acc.r#type.starts_with("nvidia-"), "{}", f.name);
            }
            AcceleratorKind::Npu => {
                let acc = f.accelerator.as_ref().unwrap();
                assert!(
                    acc.resource_name.starts_with("huawei.com/ascend-"),
                    "{}",
                    f.name
                );
                assert!(acc.r#type.starts_with("ascend-"), "{}", f.name);
            }
        }
        // Names carry the arch and machine type where the convention says so.
        if f.name.contains(".arm.") {
            assert_eq!(f.cpu_arch, "arm64", "{}", f.name);
        }
        if f.name.starts_with("modelarts.bm.") {
            assert!(f.baremetal, "{}", f.name);
        }
        // Every flavor is offered somewhere in the default region.
        assert!(
            f.az_phase.keys().any(|az| f.is_available_in(az)),
            "{} is sold out everywhere",
            f.name
        );
    }
}

#[test]
fn builtin_mixes_architectures_and_accelerators() {
    let catalog = Catalog::builtin();
    let has = |p: &dyn Fn(&Flavor) -> bool| catalog.all().iter().any(p);
    assert!(has(
        &|f| f.kind == AcceleratorKind::Cpu && f.cpu_arch == "x86"
    ));
    assert!(has(
        &|f| f.kind == AcceleratorKind::Cpu && f.cpu_arch == "arm64"
    ));
    assert!(has(
        &|f| f.kind == AcceleratorKind::Npu && f.cpu_arch == "arm64"
    ));
    for t in [
        "nvidia-t4",
        "nvidia-v100",
        "nvidia-a100",
        "ascend-snt9",
        "ascend-snt9b",
    ] {
        assert!(
            has(&|f| f.accelerator.as_ref().is_some_and(|a| a.r#type == t)),
            "no {t} flavor"
        );
    }
    for scope in SCOPES {
        assert!(has(&|f| f.has_scope(scope)), "no {scope} flavor");
    }
    assert!(has(&|f| f.local_disk) && has(&|f| !f.local_disk));
}

#[test]
fn azs_expand_with_the_region() {
    let catalog = Catalog::builtin();
    assert_eq!(catalog.azs("local-1"), ["local-1a", "local-1b", "local-1c"]);
    assert_eq!(
        catalog.azs("cn-north-7"),
        ["cn-north-7a", "cn-north-7b", "cn-north-7c"]
    );
    assert_eq!(az_name("local-1", "b"), "local-1b");
    assert_eq!(az_suffix("local-1", "local-1b"), Some("b"));
    assert_eq!(az_suffix("local-1", "local-2b"), None);
    assert_eq!(az_suffix("local-1", "local-1"), None);
    assert_eq!(Catalog::default().azs("local-1"), Vec::<String>::new());
}

#[test]
fn seed_flavor_is_available_in_c() {
    // The seed example pool uses modelarts.vm.cpu.4ud in AZ "<region>c".
    let f = Catalog::builtin()
        .get("modelarts.vm.cpu.4ud")
        .unwrap()
        .clone();
    assert!(f.is_available_in("c"));
    assert_eq!(f.kind, AcceleratorKind::Cpu);
    assert_eq!(f.cpu_arch, "x86");
}

#[test]
fn one_flavor_is_sold_out_somewhere() {
    let catalog = Catalog::builtin();
    let sold: Vec<(&str, &str)> = catalog
        .all()
        .iter()
        .flat_map(|f| {
            f.az_phase
                .iter()
                .filter(|(_, p)| *p == "soldout")
                .map(move |(az, _)| (f.name.as_str(), az.as_str()))
        })
        .collect();
    assert!(!sold.is_empty());
    for (name, az) in sold {
        let f = catalog.get(name).unwrap();
        assert!(!f.is_available_in(az));
    }
    let a100 = catalog.get("modelarts.bm.gpu.a100.8").unwrap();
    assert!(!a100.is_available_in("b"));
    assert!(a100.is_available_in("a"));
    // Unknown or unlisted AZs are never available.
    assert!(!a100.is_available_in("z"));
    assert!(!a100.is_available_in(""));
}

#[test]
fn node_resources_of_a_cpu_flavor() {
    let f = Catalog::builtin()
        .get("modelarts.vm.cpu.4ud")
        .unwrap()
        .clone();
    assert_eq!((f.cpu, f.memory_gi), (4, 16));
    // 4 cores: 60m + 10m + 2 * 5m reserved. 16 GiB: 1024 + 819 + 819 + 100 Mi.
    assert_eq!(
        f.node_resources(),
        map(&[("cpu", "3920m"), ("memory", "13622Mi")])
    );

    let f = Catalog::builtin()
        .get("modelarts.vm.cpu.8ud")
        .unwrap()
        .clone();
    assert_eq!((f.cpu, f.memory_gi), (8, 32));
    // 8 cores: 80m + 4 * 2.5m. 32 GiB: 2662 + 6% of 16 GiB (983) + 100.
    assert_eq!(
        f.node_resources(),
        map(&[("cpu", "7910m"), ("memory", "29023Mi")])
    );
}

#[test]
fn node_resources_of_a_gpu_flavor() {
    let f = Catalog::builtin()
        .get("modelarts.vm.gpu.tnt004")
        .unwrap()
        .clone();
    assert_eq!(f.kind, AcceleratorKind::Gpu);
    assert_eq!((f.cpu, f.memory_gi), (8, 32));
    assert_eq!(
        f.node_resources(),
        map(&[
            ("cpu", "7910m"),
            ("memory", "29023Mi"),
            ("nvidia.com/gpu", "1")
        ])
    );
}

#[test]
fn node_resources_of_npu_flavors() {
    let catalog = Catalog::builtin();
    let f = catalog.get("modelarts.kat1.8xlarge").unwrap();
    let r = f.node_resources();
    assert_eq!(r["huawei.com/ascend-snt9"], "8");
    // 192 cores: 80m + 188 * 2.5m = 550m reserved.
    assert_eq!(r["cpu"], "191450m");
    assert_eq!(r.len(), 3);
    let f = catalog
        .get("modelarts.bm.npu.arm.8snt9b3.i6l.d.c004")
        .unwrap();
    assert_eq!(f.cpu_arch, "arm64");
    assert!(f.baremetal && f.local_disk);
    // The key the SDK's NodeResource reads: snt9b cards count as ascend-snt9.
    assert_eq!(f.node_resources()["huawei.com/ascend-snt9"], "8");
}

#[test]
fn node_resources_small_and_reserve_rules() {
    let one = Flavor {
        cpu: 1,
        memory_gi: 1,
        ..sample("x.one", 1)
    };
    // 1 core keeps 60m; 1 GiB keeps 256 + 100 Mi.
    assert_eq!(
        one.node_resources(),
        map(&[("cpu", "940m"), ("memory", "668Mi")])
    );
    let f = Flavor {
        memory_gi: 8,
        ..sample("x.eight", 4)
    };
    assert_eq!(f.node_resources()["memory"], "6249Mi");
    // Allocatable always grows with the node and never exceeds it.
    let mut prev = (0, 0);
    for n in 1..=256 {
        let f = Flavor {
            cpu: n,
            memory_gi: n,
            ..sample("x.n", 1)
        };
        let now = (f.allocatable_cpu_millis(), f.allocatable_memory_mi());
        assert!(now.0 > prev.0 && now.1 > prev.1, "n = {n}");
        assert!(now.0 < u64::from(n) * 1000 && now.1 < u64::from(n) * 1024);
        prev = now;
    }
}

#[test]
fn from_json_accepts_minimal_entries_with_defaults() {
    let v = Catalog::from_json(&format!("[{}]", cpu_json("my.cpu.flavor", 2))).unwrap();
    assert_eq!(v.len(), 1);
    let f = &v[0];
    assert_eq!(f.pool_type, "Dedicate");
    assert!(f.data_volumes.is_empty() && f.job_flavors.is_empty());
    assert!(!f.baremetal && !f.local_disk && f.accelerator.is_none());
    assert_eq!(Catalog::from_json("[]").unwrap(), Vec::<Flavor>::new());
}

#[test]
fn from_json_round_trips_the_builtin_catalog() {
    let catalog = Catalog::builtin();
    let text = serde_json::to_string(catalog.all()).unwrap();
    assert_eq!(Catalog::from_json(&text).unwrap(), catalog.all());
}

#[test]
fn from_json_rejects_bad_input_clearly() {
    // Not JSON / not an array.
    let e = err_of("not json");
    assert!(e.contains("not a valid JSON array of flavors"), "{e}");
    assert!(e.contains("line 1"), "{e}");
    let e = err_of(&cpu_json("a.b", 1));
    assert!(e.contains("expected a sequence"), "{e}");
    assert!(matches!(
        Catalog::from_json("{"),
        Err(FlavorError::Parse(_))
    ));

    // Missing or misspelt fields.
    let e = err_of(r#"[{"name": "x.y"}]"#);
    assert!(e.contains("missing field"), "{e}");
    let e = err_of(&format!(
        "[{}]",
        cpu_json("x.y", 1).replace("\"cpu\": 1", "\"cpu\": 1, \"cpus\": 2")
    ));
    assert!(e.contains("unknown field `cpus`"), "{e}");
    let e = err_of(&format!(
        "[{}]",
        cpu_json("x.y", 1).replace("\"kind\": \"cpu\"", "\"kind\": \"tpu\"")
    ));
    assert!(e.contains("unknown variant `tpu`"), "{e}");

    // Parsed but invalid: the message names the entry and the problem.
    let bad = |from: &str, to: &str| err_of(&format!("[{}]", cpu_json("x.y", 1).replace(from, to)));
    let e = bad("\"x86\"", "\"sparc\"");
    assert!(e.contains("entry #0 \"x.y\""), "{e}");
    assert!(e.contains("cpu_arch \"sparc\""), "{e}");
    let e = bad("[\"Train\"]", "[\"Train\", \"Play\"]");
    assert!(e.contains("scope \"Play\""), "{e}");
    let e = bad("[\"Train\"]", "[]");
    assert!(e.contains("scopes is empty"), "{e}");
    let e = bad("[0]", "[0, 2]");
    assert!(e.contains("billing mode 2"), "{e}");
    let e = bad("[0]", "[]");
    assert!(e.contains("billing_modes is empty"), "{e}");
    let e = bad("\"normal\"", "\"busy\"");
    assert!(e.contains("az_phase[\"a\"] is \"busy\""), "{e}");
    let e = bad("{\"a\": \"normal\"}", "{\"local-1a\": \"normal\"}");
    assert!(e.contains("not an AZ suffix"), "{e}");
    let e = bad("\"SSD\"", "\"Floppy\"");
    assert!(e.contains("root_volume.volume_type \"Floppy\""), "{e}");
    let e = bad("\"cpu\": 1", "\"cpu\": 0");
    assert!(e.contains("cpu must be at least 1"), "{e}");
    let e = bad("\"kind\": \"cpu\"", "\"kind\": \"gpu\"");
    assert!(e.contains("needs an accelerator"), "{e}");
    let e = err_of(&format!("[{}]", cpu_json("", 1)));
    assert!(e.contains("entry #0: name is empty"), "{e}");
    let e = err_of(&format!("[{}]", cpu_json("Upper.Case", 1)));
    assert!(e.contains("name \"Upper.Case\""), "{e}");

    // A bad accelerator.
    let gpu = cpu_json("x.gpu", 8).replace(
        "\"kind\": \"cpu\"",
        "\"kind\": \"gpu\", \"accelerator\": {\"type\": \"nvidia-t4\", \"count\": 1, \"memory\": \"16Gi\", \"resource_name\": \"nvidia.com/gpu\"}",
    );
    assert!(Catalog::from_json(&format!("[{gpu}]")).is_ok());
    let e = err_of(&format!("[{}]", gpu.replace("\"16Gi\"", "\"16 GB\"")));
    assert!(e.contains("accelerator.memory \"16 GB\""), "{e}");
    let e = err_of(&format!(
        "[{}]",
        gpu.replace("\"nvidia.com/gpu\"", "\"gpu\"")
    ));
    assert!(e.contains("accelerator.resource_name \"gpu\""), "{e}");
    let e = err_of(&format!(
        "[{}]",
        gpu.replace("\"count\": 1", "\"count\": 0")
    ));
    assert!(e.contains("accelerator.count"), "{e}");
    let e = err_of(&format!(
        "[{}]",
        gpu.replace("\"kind\": \"gpu\"", "\"kind\": \"cpu\"")
    ));
    assert!(e.contains("must not have an accelerator"), "{e}");

    // Duplicates within one file.
    let e = err_of(&format!("[{}, {}]", cpu_json("x.y", 1), cpu_json("x.y", 2)));
    assert!(e.contains("\"x.y\" more than once"), "{e}");
}

#[test]
fn extend_replaces_by_name_and_keeps_order() {
    let mut catalog = Catalog::builtin();
    let before = catalog.len();
    let replaced = Flavor {
        cpu: 6,
        ..catalog.get("modelarts.vm.cpu.4ud").unwrap().clone()
    };
    let extra = Catalog::from_json(&format!(
        "[{}, {}]",
        cpu_json("aaa.first", 2),
        cpu_json("zzz.last", 4)
    ))
    .unwrap();
    catalog.extend(extra);
    catalog.extend(vec![replaced.clone()]);
    assert_eq!(catalog.len(), before + 2);
    assert_eq!(catalog.get("modelarts.vm.cpu.4ud").unwrap(), &replaced);
    assert_eq!(catalog.all().first().unwrap().name, "aaa.first");
    assert_eq!(catalog.all().last().unwrap().name, "zzz.last");
    let names: Vec<&str> = catalog.all().iter().map(|f| f.name.as_str()).collect();
    assert!(names.windows(2).all(|w| w[0] < w[1]));

    // Within one batch, the later entry wins.
    let mut c = Catalog::default();
    c.extend(vec![sample("b.x", 1), sample("a.x", 1), sample("b.x", 3)]);
    assert_eq!(c.len(), 2);
    assert_eq!(c.get("b.x").unwrap().cpu, 3);
    assert_eq!(
        Catalog::new(vec![sample("b.x", 1), sample("b.x", 5)])
            .get("b.x")
            .unwrap()
            .cpu,
        5
    );
}
