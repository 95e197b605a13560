//! `--watch` and `--follow`: a watch's changes printed as they come, one
//! row each under the first table (kubectl's `get -w` with an EVENT
//! column), or each change as one JSON line with `-o json`.

use chrono::Utc;
use respool_client::{Watch, WatchEvent};

use crate::cli::Format;
use crate::output::{line, Table};

/// The row of a watched object at an instant, or `None` to pass it over.
pub type RowOf<'a> = Box<dyn Fn(&WatchEvent, chrono::DateTime<Utc>) -> Option<Vec<String>> + 'a>;

/// How a watched object prints.
pub struct Rows<'a> {
    pub headers: Vec<&'static str>,
    pub row: RowOf<'a>,
}

/// Prints changes until the watch fails (a connection that ends is made
/// again by the watch itself). `listed` (read before the watch's first
/// list ended) and the objects that existed when it began are printed as
/// one table; `skip` passes over changes not to show.
pub async fn follow(
    mut watch: Watch,
    format: Format,
    rows: Rows<'_>,
    listed: Vec<WatchEvent>,
    skip: impl Fn(&WatchEvent) -> bool,
) -> anyhow::Result<()> {
    let json = matches!(format, Format::Json | Format::Yaml);
    let mut headers = vec!["EVENT"];
    headers.extend(&rows.headers);
    let mut first = Table::new(&headers);
    let mut widths = None;
    let mut listed = listed.into_iter();
    loop {
        let (event, from_watch) = match listed.next() {
            Some(e) => (e, false),
            None => (watch.next().await?, true),
        };
        if event.kind == "BOOKMARK" {
            if event.ends_initial_list() && widths.is_none() && !json {
                print!("{}", first.render());
                let mut w = first.widths();
                // Room for the longest kind of change, so later rows line up.
                w[0] = w[0].max("MODIFIED".len());
                widths = Some(w);
            }
            continue;
        }
        if from_watch && skip(&event) {
            continue;
        }
        if json {
            println!("{}", serde_json::to_string(&event)?);
            continue;
        }
        let Some(cells) = (rows.row)(&event, Utc::now()) else {
            continue;
        };
        let mut row = vec![event.kind.clone()];
        row.extend(cells);
        match &widths {
            Some(w) => println!("{}", line(w, &row)),
            None => first.row(row),
        }
    }
}
