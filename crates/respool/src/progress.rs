//! Live progress of a wait: an indicatif bar of available/target nodes with
//! the phase on a terminal, one line per change otherwise (logs, CI, pipes).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use respool_client::Progress;

static NOTES_TO_STDOUT: AtomicBool = AtomicBool::new(false);

/// Sends progress lines and notes to standard output instead of standard
/// error (for `respool demo`, whose whole story is its output).
pub fn notes_to_stdout() {
    NOTES_TO_STDOUT.store(true, Ordering::Relaxed);
}

/// A side remark (progress, "No pools found."): standard error, as kubectl does.
pub fn note(line: &str) {
    if NOTES_TO_STDOUT.load(Ordering::Relaxed) {
        println!("{line}");
    } else {
        eprintln!("{line}");
    }
}

/// What the bar counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Available nodes out of the target (create, scale, wait for a phase).
    Up,
    /// Nodes gone out of those there were (delete).
    Down,
}

pub struct Reporter {
    bar: Option<ProgressBar>,
    mode: Mode,
    /// Nodes when a `Down` wait started.
    start_nodes: Option<i64>,
    last_line: String,
    prefix: String,
}

impl Reporter {
    /// `label` names the object, e.g. `pool/demo-…`.
    pub fn new(label: &str, mode: Mode) -> Reporter {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(Some(1), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner:.green} {prefix} [{bar:30.cyan/blue}] {pos}/{len} nodes  {msg}  ({elapsed})",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            );
            bar.set_prefix(label.to_owned());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Reporter {
            bar,
            mode,
            start_nodes: None,
            last_line: String::new(),
            prefix: label.to_owned(),
        }
    }

    pub fn update(&mut self, p: &Progress) {
        let (pos, len) = match self.mode {
            Mode::Up => (p.available.max(0), p.target.max(p.available).max(1)),
            Mode::Down => {
                let start = *self.start_nodes.get_or_insert(p.nodes().max(1));
                (start - p.nodes().min(start), start)
            }
        };
        let phase = if p.phase.is_empty() {
            "Pending"
        } else {
            &p.phase
        };
        let mut extra: Vec<String> = [
            ("creating", p.creating),
            ("abnormal", p.abnormal),
            ("deleting", p.deleting),
        ]
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(what, n)| format!("{n} {what}"))
        .collect();
        if let Some(m) = p.message.as_deref().filter(|m| !m.is_empty()) {
            extra.push(m.to_owned());
        }
        let msg = if extra.is_empty() {
            phase.to_owned()
        } else {
            format!("{phase} ({})", extra.join(", "))
        };
        match &self.bar {
            Some(bar) => {
                bar.set_length(len as u64);
                bar.set_position(pos as u64);
                bar.set_message(msg);
            }
            None => {
                let line = match self.mode {
                    Mode::Up => format!("{}/{} nodes available  {msg}", p.available, p.target),
                    Mode::Down => format!("{} nodes left  {msg}", p.nodes()),
                };
                if line != self.last_line {
                    note(&format!(
                        "  [{:>5.1}s] {}  {line}",
                        p.elapsed.as_secs_f64(),
                        self.prefix
                    ));
                    self.last_line = line;
                }
            }
        }
    }

    /// Removes the bar; the caller prints the result.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Reporter {
    fn drop(&mut self) {
        self.finish();
    }
}
