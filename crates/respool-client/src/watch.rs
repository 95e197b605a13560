//! Watches (`?watch=true`): the changes of pools, of a pool's nodes, or of
//! events, as they happen, resumed after the last `resourceVersion` when
//! the connection ends and started again from a fresh list when the server
//! no longer keeps that far back (410), as Kubernetes informers do.

use std::time::Duration;

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Client, Error, ListPools};

/// How long one watch request may stay open before it is made again (the
/// client's own request timeout is for answers, not for streams).
const STREAM_FOR: Duration = Duration::from_secs(3600);

/// One change a watch streams.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WatchEvent {
    /// `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK` or `ERROR`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The object as the API serves it (a bookmark's has only its
    /// `metadata.resourceVersion`; an error's is an error body).
    pub object: Value,
}

impl WatchEvent {
    /// The object decoded as `T` (a `Pool`, a `Node`, an `Event`).
    pub fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&self.object)
    }

    /// `metadata.resourceVersion` of the object.
    pub fn resource_version(&self) -> Option<&str> {
        self.object["metadata"]["resourceVersion"].as_str()
    }

    /// Whether this bookmark ends the objects that existed when the watch began.
    pub fn ends_initial_list(&self) -> bool {
        self.kind == "BOOKMARK"
            && self.object["metadata"]["annotations"]["k8s.io/initial-events-end"] == "true"
    }
}

/// What a watch follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchTarget {
    Pools(ListPools),
    /// The nodes of one pool (its `metadata.name`).
    Nodes(String),
    /// The events of one pool, or of every pool of the project.
    Events(Option<String>),
}

/// An open watch. [`Watch::next`] hands out changes one at a time and
/// reconnects by itself.
pub struct Watch {
    client: Client,
    target: WatchTarget,
    /// Where to go on after a reconnect; `None`: start from a fresh list.
    resource_version: Option<String>,
    stream: Option<reqwest::Response>,
    buffer: Vec<u8>,
}

impl Client {
    /// Starts watching `target` after `resource_version`, or (with `None`)
    /// from what exists now: those objects come first as `ADDED` (pools,
    /// nodes), then a bookmark that [ends the list](WatchEvent::ends_initial_list).
    pub fn watch(&self, target: WatchTarget, resource_version: Option<String>) -> Watch {
        Watch {
            client: self.clone(),
            target,
            resource_version,
            stream: None,
            buffer: Vec::new(),
        }
    }
}

impl Watch {
    /// The next change. A stream that ends is opened again after the last
    /// version seen; a version the server no longer keeps (410) starts over
    /// from a fresh list, whose objects come again as `ADDED`.
    pub async fn next(&mut self) -> Result<WatchEvent, Error> {
        loop {
            if let Some(event) = self.buffered()? {
                if event.kind == "ERROR" && event.object["code"] == 410 {
                    self.resource_version = None;
                    self.stream = None;
                    continue;
                }
                if event.kind == "ERROR" {
                    return Err(Error::Api {
                        status: event.object["code"].as_u64().unwrap_or(500) as u16,
                        error_code: text(&event.object["error_code"]),
                        error_msg: text(&event.object["error_msg"]),
                        request_id: None,
                    });
                }
                if let Some(v) = event.resource_version() {
                    self.resource_version = Some(v.to_owned());
                }
                return Ok(event);
            }
            let Some(stream) = self.stream.as_mut() else {
                self.open().await?;
                continue;
            };
            match stream.chunk().await {
                Ok(Some(bytes)) => self.buffer.extend_from_slice(&bytes),
                // Ended (the server's timeout, a restart, a proxy): go on
                // after the last version seen.
                Ok(None) | Err(_) => {
                    self.stream = None;
                    self.buffer.clear();
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
    }

    /// The last `resourceVersion` seen: where a new watch would go on.
    pub fn resource_version(&self) -> Option<&str> {
        self.resource_version.as_deref()
    }

    fn buffered(&mut self) -> Result<Option<WatchEvent>, Error> {
        let Some(at) = self.buffer.iter().position(|b| *b == b'\n') else {
            return Ok(None);
        };
        let line: Vec<u8> = self.buffer.drain(..=at).collect();
        serde_json::from_slice(&line[..at])
            .map(Some)
            .map_err(|e| Error::Decode {
                method: "GET".into(),
                path: "(watch)".into(),
                status: 200,
                message: e.to_string(),
                body: String::from_utf8_lossy(&line).into_owned(),
            })
    }

    async fn open(&mut self) -> Result<(), Error> {
        let c = &self.client;
        let (path, mut query): (String, Vec<(&str, &str)>) = match &self.target {
            WatchTarget::Pools(options) => (c.path("v2", &["pools"]), options.query()),
            WatchTarget::Nodes(pool) => (c.path("v2", &["pools", pool, "nodes"]), Vec::new()),
            WatchTarget::Events(pool) => {
                let mut q = vec![("resource", "pools")];
                if let Some(p) = pool {
                    q.push(("name", p.as_str()));
                }
                (c.path("v1", &["events"]), q)
            }
        };
        query.push(("watch", "true"));
        if let Some(v) = &self.resource_version {
            query.push(("resourceVersion", v));
        }
        let response = c
            .signed(Method::GET, &path, &query, None)?
            .timeout(STREAM_FOR)
            .send()
            .await
            .map_err(|e| c.transport_error(e))?;
        let status = response.status().as_u16();
        if status == 410 {
            // Too old: start over from a fresh list.
            self.resource_version = None;
            return Ok(());
        }
        if !(200..300).contains(&status) {
            let request_id = response
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = response.bytes().await.unwrap_or_default();
            return Err(Error::from_response(status, request_id, &body));
        }
        self.stream = Some(response);
        Ok(())
    }
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}
