//! A watch (`?watch=true`) read line by line, as a client of the change
//! feed reads it.

use std::time::Duration;

use serde_json::Value;

use crate::router::TestServer;
use crate::{signed_request, Creds};

/// How long [`WatchStream::next`] waits for one event.
const EVENT_WAIT: Duration = Duration::from_secs(10);

/// An open watch: its status, headers and the events it streams.
pub struct WatchStream {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    response: reqwest::Response,
    buffer: Vec<u8>,
}

impl WatchStream {
    /// Opens a signed watch of `path` (the `watch=true` is added).
    pub async fn open(
        http: &reqwest::Client,
        base: &str,
        creds: &Creds,
        path: &str,
        query: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> WatchStream {
        let mut query = query.to_vec();
        query.push(("watch", "true"));
        let req = signed_request(
            http, base, &creds.ak, &creds.sk, "GET", path, &query, None, headers,
        );
        let response = req.send().await.expect("watch sent");
        WatchStream {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            response,
            buffer: Vec::new(),
        }
    }

    /// The next line of the stream (without its newline); `None` once it
    /// ended. Panics if none comes within [`EVENT_WAIT`].
    pub async fn next_line(&mut self) -> Option<String> {
        loop {
            if let Some(at) = self.buffer.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buffer.drain(..=at).collect();
                return Some(String::from_utf8_lossy(&line[..at]).into_owned());
            }
            let chunk = tokio::time::timeout(EVENT_WAIT, self.response.chunk())
                .await
                .expect("a watch event within the wait")
                .expect("the stream reads");
            match chunk {
                Some(bytes) => self.buffer.extend_from_slice(&bytes),
                None if self.buffer.is_empty() => return None,
                None => {
                    return Some(
                        String::from_utf8_lossy(&std::mem::take(&mut self.buffer)).into_owned(),
                    )
                }
            }
        }
    }

    /// The next event of a line-delimited watch; `None` once it ended.
    pub async fn next(&mut self) -> Option<Value> {
        let line = self.next_line().await?;
        Some(serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}")))
    }

    /// Events up to and including the first that `stop` accepts.
    pub async fn until(&mut self, stop: impl Fn(&Value) -> bool) -> Vec<Value> {
        let mut seen = Vec::new();
        loop {
            let event = self.next().await.expect("the watch ended first");
            let done = stop(&event);
            seen.push(event);
            if done {
                return seen;
            }
        }
    }

    /// Every event until the stream ends (open it with `timeoutSeconds`).
    pub async fn rest(&mut self) -> Vec<Value> {
        let mut seen = Vec::new();
        while let Some(event) = self.next().await {
            seen.push(event);
        }
        seen
    }
}

/// What an event is about: `(type, metadata.name, metadata.resourceVersion)`.
pub fn event_key(event: &Value) -> (String, String, String) {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let meta = &event["object"]["metadata"];
    (
        text(&event["type"]),
        text(&meta["name"]),
        text(&meta["resourceVersion"]),
    )
}

impl TestServer {
    /// Opens a watch of `path` with the test credential.
    pub async fn watch(&self, path: &str, query: &[(&str, &str)]) -> WatchStream {
        self.watch_with(path, query, &[]).await
    }

    pub async fn watch_with(
        &self,
        path: &str,
        query: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> WatchStream {
        let creds = Creds {
            ak: self.ak.clone(),
            sk: self.sk.clone(),
            project: crate::PROJECT.into(),
        };
        WatchStream::open(&self.http, &self.base, &creds, path, query, headers).await
    }
}
