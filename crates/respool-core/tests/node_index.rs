//! Big pools: `PoolState::node` answers from the names each chunk of the
//! node list keeps, and whatever happens to the nodes (deletions, scaling,
//! removal from the middle, a name taken again) it answers what a scan
//! answers; pages of nodes follow one another in listing order.

mod common;

use std::sync::Arc;

use respool_api_types::Pool;
use respool_core::flavors::Catalog;
use respool_core::pool::{Node, NodeCursor, PoolState};
use respool_core::timing::TimingProfile;
use serde_json::json;

const NOW: i64 = 1_700_000_000_000;

fn agrees(p: &PoolState, gone: &[String]) {
    for (i, n) in p.nodes.iter().enumerate() {
        let found = p.node(&n.name).expect("a node of the pool is found");
        assert!(
            std::ptr::eq(found, &*p.nodes[i]),
            "{} found elsewhere",
            n.name
        );
    }
    for name in gone {
        assert!(p.node(name).is_none(), "{name} is gone but found");
    }
}

fn pool(catalog: &Catalog) -> PoolState {
    let body: Pool = serde_json::from_value(json!({
        "apiVersion": "v2", "kind": "Pool",
        "metadata": {"labels": {"os.modelarts/name": "index"}},
        "spec": {"type": "Dedicate", "scope": ["Train"],
                 "resources": [{"flavor": "modelarts.vm.cpu.8ud", "count": 200}],
                 "network": {"name": "n"}}
    }))
    .unwrap();
    let mut p = PoolState::create(
        "0123456789abcdef0123456789abcdef",
        body,
        &common::env(catalog, TimingProfile::Immediate),
        NOW,
    )
    .unwrap();
    p.step(NOW);
    p
}

#[test]
fn the_index_answers_as_a_scan_does() {
    let catalog = Catalog::builtin();
    let env = common::env(&catalog, TimingProfile::Immediate);
    let mut p = pool(&catalog);
    agrees(&p, &[]);
    let mut gone = Vec::new();

    // Deleted through the API: from the middle and the end.
    let picked: Vec<String> = [3, 50, 199]
        .iter()
        .map(|&i| p.nodes[i].name.clone())
        .collect();
    p.delete_nodes(&picked, NOW + 1).unwrap();
    agrees(&p, &gone);
    p.step(NOW + 1);
    gone.extend(picked);
    agrees(&p, &gone);

    // Scaled up: new nodes at the end.
    let patch = json!({"spec": {"resources": [{"flavor": "modelarts.vm.cpu.8ud", "count": 205}]}});
    p.patch(&patch, &env, NOW + 2).unwrap();
    p.step(NOW + 2);
    assert_eq!(p.nodes.len(), 205);
    agrees(&p, &gone);

    // One removed from the middle and one added, the count unchanged.
    let removed = p.nodes_mut().remove(10);
    gone.push(removed.name.clone());
    let mut moved = Node::clone(&p.nodes[0]);
    moved.name = "os-node-created-moved".into();
    p.nodes_mut().push(Arc::new(moved));
    agrees(&p, &gone);

    // The last two removed, one added, then one under the last one's name
    // (made later): the same count, and the same name last.
    let n = p.nodes.len();
    let last = p.nodes_mut().remove(n - 1);
    let before_last = p.nodes_mut().remove(n - 2);
    gone.push(before_last.name.clone());
    let mut added = Node::clone(&last);
    added.name = "os-node-created-added".into();
    p.nodes_mut().push(Arc::new(added));
    let mut again = Node::clone(&last);
    again.created_ms += 1;
    p.nodes_mut().push(Arc::new(again));
    agrees(&p, &gone);
}

#[test]
fn pages_follow_each_other_in_listing_order() {
    let catalog = Catalog::builtin();
    let mut p = pool(&catalog);
    // Some nodes later than the others: the order is by creation, then name.
    for i in (0..p.nodes.len()).step_by(7) {
        Arc::make_mut(&mut p.nodes_mut()[i]).created_ms += 5;
    }
    let mut want: Vec<(i64, String)> = p
        .nodes
        .iter()
        .map(|n| (n.created_ms, n.name.clone()))
        .collect();
    want.sort();
    let mut got = Vec::new();
    let mut after: Option<NodeCursor> = None;
    loop {
        let page = p.node_page(&catalog, None, after.as_ref(), 7);
        got.extend(page.items.nodes().map(|n| n.name.clone()));
        assert_eq!(page.remaining, want.len() - got.len());
        match page.next {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    let want: Vec<String> = want.into_iter().map(|(_, n)| n).collect();
    assert_eq!(got, want);
}
