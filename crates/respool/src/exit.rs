//! Exit codes of the `respool` commands, and which error gets which.

use respool_client::Error;

/// Something else failed: a file that cannot be read or parsed, the server
/// commands (`serve`, `credentials`, `users`), an unexpected answer.
pub const GENERAL: u8 = 1;
/// The command line is wrong (clap's own code).
#[allow(dead_code)] // clap exits with it by itself
pub const USAGE: u8 = 2;
/// No credentials or an invalid endpoint.
pub const CONFIG: u8 = 3;
/// The server cannot be reached, or did not answer in time.
pub const UNREACHABLE: u8 = 4;
/// The server refused the credentials (HTTP 401 or 403).
pub const AUTH: u8 = 5;
/// No such pool, node, network, order or route (HTTP 404).
pub const NOT_FOUND: u8 = 6;
/// Any other error answer (400 invalid request, 409 conflict, 5xx, ...).
pub const API: u8 = 7;
/// A wait ended in a failure phase (CreationFailed, ScalingFailed, Error).
pub const WAIT_FAILED: u8 = 8;
/// A wait ran out of time (--timeout).
pub const WAIT_TIMEOUT: u8 = 9;

/// Shown at the end of `respool --help`.
pub const HELP: &str = "\
Client commands (pool, node, flavor, network, workspace, stats, events, orders) find the endpoint and credentials in flags, else in
HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID and RESPOOL_ENDPOINT,
else in <data-dir>/credentials.json written by `respool serve`
(--data-dir, RESPOOL_DATA_DIR, default ./respool-data).

Exit codes:
  0  success
  1  other failure (unreadable input file, unexpected answer, server commands)
  2  invalid command line
  3  no credentials or invalid endpoint
  4  server unreachable or no answer in time
  5  credentials refused (HTTP 401/403)
  6  not found (HTTP 404)
  7  other API error (HTTP 400, 409, 5xx, ...), an unknown workspace (400 ModelArts.7005)
     among them; the error code and message are printed
  8  --wait/wait: a failure phase (CreationFailed, ScalingFailed, Error; Abnormal network)
  9  --wait/wait: timed out";

/// The exit code for an error: the first client error in the chain decides.
pub fn code(e: &anyhow::Error) -> u8 {
    match e.chain().find_map(|c| c.downcast_ref::<Error>()) {
        Some(client) => client_code(client),
        None => GENERAL,
    }
}

pub fn client_code(e: &Error) -> u8 {
    match e {
        Error::Api { status, .. } => match status {
            401 | 403 => AUTH,
            404 => NOT_FOUND,
            _ => API,
        },
        Error::Connect { .. } | Error::Timeout { .. } | Error::Http(_) => UNREACHABLE,
        Error::Config(_) | Error::Sign(_) => CONFIG,
        Error::WaitFailed { .. } => WAIT_FAILED,
        Error::WaitTimeout { .. } => WAIT_TIMEOUT,
        Error::Decode { .. } => GENERAL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_error() {
        let api = |status| Error::from_response(status, None, b"{}");
        assert_eq!(client_code(&api(401)), AUTH);
        assert_eq!(client_code(&api(404)), NOT_FOUND);
        assert_eq!(client_code(&api(409)), API);
        assert_eq!(client_code(&Error::Config("x".into())), CONFIG);
        let wrapped = anyhow::Error::new(api(404)).context("cannot get pool x");
        assert_eq!(code(&wrapped), NOT_FOUND);
        assert_eq!(code(&anyhow::anyhow!("file not found")), GENERAL);
    }
}
