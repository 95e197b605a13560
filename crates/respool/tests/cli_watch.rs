//! `respool pool list --watch`, `pool get --watch` and `events --follow`
//! against a real `respool serve`.

mod cli_support;

use cli_support::Server;
use serde_json::Value;

#[test]
fn pool_list_watch_prints_the_list_then_each_change() {
    let s = Server::start("fast");
    let first = s.create_pool("watch-one", "net-cli", &[]);
    let watch = s.spawn(&["pool", "list", "--watch"]);
    let start = watch.until(|l| l.contains(&first));
    assert!(start[0].starts_with("EVENT"), "{start:?}");
    assert!(start[0].contains("PHASE"), "{start:?}");
    assert!(start[1].starts_with("ADDED"), "{start:?}");

    let second = s.create_pool("watch-two", "net-cli", &[]);
    let added = watch.until(|l| l.contains(&second));
    assert!(added.last().unwrap().starts_with("ADDED"), "{added:?}");
    let running = watch.until(|l| l.contains(&second) && l.contains("Running"));
    assert!(
        running.last().unwrap().starts_with("MODIFIED"),
        "{running:?}"
    );
    s.ok(&["pool", "delete", &second]);
    watch.until(|l| l.starts_with("DELETED") && l.contains(&second));
}

#[test]
fn pool_get_watch_follows_one_pool_as_json_lines() {
    let s = Server::start("fast");
    let mine = s.create_pool("watch-mine", "net-cli", &["--wait"]);
    let watch = s.spawn(&["pool", "get", "watch-mine", "--watch", "-o", "json"]);
    let other = s.create_pool("watch-other", "net-cli", &[]);
    s.ok(&["pool", "scale", &mine, "--count", "2"]);
    let lines = watch.until(|l| {
        let e: Value = serde_json::from_str(l).unwrap();
        e["object"]["spec"]["resources"][0]["count"] == 2
            && e["object"]["status"]["resources"]["available"][0]["count"] == 2
    });
    for line in &lines {
        let e: Value = serde_json::from_str(line).unwrap();
        assert_eq!(e["object"]["metadata"]["name"], mine.as_str(), "{line}");
        assert!(!line.contains(&other));
    }
    let first: Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(first["type"], "ADDED");
}

#[test]
fn events_follow_prints_the_events_so_far_then_each_new_one_once() {
    let s = Server::start("fast");
    let pool = s.create_pool("watch-evts", "net-cli", &["--wait"]);
    let listed = s.ok(&["events", &pool]);
    let so_far = listed.lines().count() - 1;
    assert!(so_far >= 1, "{listed}");
    let follow = s.spawn(&["events", &pool, "--follow", "-o", "wide"]);
    s.ok(&["pool", "scale", &pool, "--count", "2"]);
    let lines = follow.until(|l| l.contains("from 1/0/1/0 to 2/0/0/0"));
    assert!(lines[0].starts_with("EVENT"), "{lines:?}");
    let names: Vec<&str> = lines[1..]
        .iter()
        .map(|l| {
            l.split_whitespace()
                .find(|w| w.starts_with(&pool) && w.contains('.'))
                .unwrap()
        })
        .collect();
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "each event once: {lines:#?}");
    assert!(names.len() > so_far, "{lines:#?}");
}
