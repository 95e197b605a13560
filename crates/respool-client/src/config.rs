//! Where the API is and who is calling: [`Config`], and how it is found
//! ([`Config::resolve`]) from flags, the Huawei Cloud SDK environment
//! variables and the `credentials.json` that `respool serve` writes.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::Error;

/// Access key, as the Huawei Cloud SDKs read it from the environment.
pub const ENV_AK: &str = "HUAWEICLOUD_SDK_AK";
/// Secret key, as the Huawei Cloud SDKs read it from the environment.
pub const ENV_SK: &str = "HUAWEICLOUD_SDK_SK";
/// Project id, as the Huawei Cloud SDKs read it from the environment.
pub const ENV_PROJECT_ID: &str = "HUAWEICLOUD_SDK_PROJECT_ID";
/// Security token of temporary credentials, as the Huawei Cloud SDKs read it.
pub const ENV_SECURITY_TOKEN: &str = "HUAWEICLOUD_SDK_SECURITY_TOKEN";
/// The API endpoint, e.g. `http://127.0.0.1:8787`.
pub const ENV_ENDPOINT: &str = "RESPOOL_ENDPOINT";
/// The data directory of `respool serve`, which holds `credentials.json`.
pub const ENV_DATA_DIR: &str = "RESPOOL_DATA_DIR";
/// The data directory when neither a flag nor [`ENV_DATA_DIR`] names one.
pub const DEFAULT_DATA_DIR: &str = "./respool-data";
/// The endpoint when nothing names one: where `respool serve` listens by default.
pub const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:8787";
/// The file `respool serve` writes into its data directory on first start.
pub const CREDENTIALS_FILE: &str = "credentials.json";

/// Everything a [`Client`](crate::Client) needs.
#[derive(Clone)]
pub struct Config {
    /// `scheme://host[:port]`. As in the official SDK, an endpoint without a
    /// scheme means `https://`, and any path after the authority is ignored.
    pub endpoint: String,
    pub access_key: String,
    pub secret_key: String,
    /// Fills `{project_id}` in every path and the `X-Project-Id` header.
    pub project_id: String,
    /// Sent as the signed `X-Security-Token` header (temporary AK/SK).
    pub security_token: Option<String>,
    /// The signed `User-Agent` header.
    pub user_agent: String,
    /// Limit on one whole request, connection included.
    pub timeout: Duration,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("endpoint", &self.endpoint)
            .field("access_key", &self.access_key)
            .field("secret_key", &"<redacted>")
            .field("project_id", &self.project_id)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .field("user_agent", &self.user_agent)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Config {
    /// A configuration with the default user agent and a 60 s timeout.
    ///
    /// ```
    /// let config = respool_client::Config::new(
    ///     "http://127.0.0.1:8787",
    ///     "MYACCESSKEY",
    ///     "my-secret-key",
    ///     "0123456789abcdef0123456789abcdef",
    /// );
    /// assert_eq!(config.project_id, "0123456789abcdef0123456789abcdef");
    /// ```
    pub fn new(
        endpoint: impl Into<String>,
        access_key: impl Into<String>,
        secret_key: impl Into<String>,
        project_id: impl Into<String>,
    ) -> Config {
        Config {
            endpoint: endpoint.into(),
            access_key: access_key.into(),
            secret_key: secret_key.into(),
            project_id: project_id.into(),
            security_token: None,
            user_agent: format!("respool-client/{}", env!("CARGO_PKG_VERSION")),
            timeout: Duration::from_secs(60),
        }
    }

    /// Adds the security token of temporary credentials.
    pub fn with_security_token(mut self, token: impl Into<String>) -> Config {
        self.security_token = Some(token.into());
        self
    }

    /// [`Config::resolve`] with no overrides, from the process environment.
    pub fn from_env() -> Result<Config, Error> {
        Config::resolve(&Overrides::default(), |k| std::env::var(k).ok())
    }

    /// Finds each setting, field by field, in this order:
    ///
    /// 1. `overrides` (command-line flags);
    /// 2. the environment: [`ENV_AK`], [`ENV_SK`], [`ENV_PROJECT_ID`],
    ///    [`ENV_SECURITY_TOKEN`] (the Huawei Cloud SDK variables) and [`ENV_ENDPOINT`];
    /// 3. `<data dir>/credentials.json` as `respool serve` writes it (keys `ak`, `sk`,
    ///    `project_id`, `domain_id`, `endpoint`), the data dir being
    ///    `overrides.data_dir`, else [`ENV_DATA_DIR`], else [`DEFAULT_DATA_DIR`];
    /// 4. for the endpoint only, [`DEFAULT_ENDPOINT`].
    ///
    /// `env` reads one variable (`|k| std::env::var(k).ok()` for the real
    /// environment); empty values count as unset. A missing access key, secret
    /// key or project id is [`Error::Config`], naming where it was looked for.
    ///
    /// ```
    /// use respool_client::{Config, Overrides};
    ///
    /// let env = |k: &str| match k {
    ///     "HUAWEICLOUD_SDK_AK" => Some("AK1".to_string()),
    ///     "HUAWEICLOUD_SDK_SK" => Some("SK1".to_string()),
    ///     "HUAWEICLOUD_SDK_PROJECT_ID" => Some("p1".to_string()),
    ///     _ => None,
    /// };
    /// let flags = Overrides { endpoint: Some("http://127.0.0.1:9000".into()), ..Overrides::default() };
    /// let config = Config::resolve(&flags, env).unwrap();
    /// assert_eq!((config.access_key.as_str(), config.endpoint.as_str()), ("AK1", "http://127.0.0.1:9000"));
    /// ```
    pub fn resolve(
        overrides: &Overrides,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, Error> {
        let env = |k: &str| env(k).filter(|v| !v.is_empty());
        let data_dir = overrides
            .data_dir
            .clone()
            .or_else(|| env(ENV_DATA_DIR).map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let file_path = data_dir.join(CREDENTIALS_FILE);
        // Read lazily: a complete environment needs no file.
        let mut file: Option<Option<CredentialsFile>> = None;
        let mut from_file =
            |pick: fn(&CredentialsFile) -> Option<String>| -> Result<Option<String>, Error> {
                if file.is_none() {
                    file = Some(CredentialsFile::read_optional(&file_path)?);
                }
                Ok(file.as_ref().and_then(|f| f.as_ref()).and_then(pick))
            };
        let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());

        let mut pick = |flag: &Option<String>,
                        var: &str,
                        in_file: fn(&CredentialsFile) -> Option<String>|
         -> Result<Option<String>, Error> {
            if let Some(v) = nonempty(flag) {
                return Ok(Some(v));
            }
            if let Some(v) = env(var) {
                return Ok(Some(v));
            }
            from_file(in_file)
        };
        let endpoint = pick(&overrides.endpoint, ENV_ENDPOINT, |f| f.endpoint.clone())?
            .unwrap_or_else(|| DEFAULT_ENDPOINT.to_owned());
        let ak = pick(&overrides.access_key, ENV_AK, |f| f.ak.clone())?;
        let sk = pick(&overrides.secret_key, ENV_SK, |f| f.sk.clone())?;
        let project = pick(&overrides.project_id, ENV_PROJECT_ID, |f| {
            f.project_id.clone()
        })?;
        let token = nonempty(&overrides.security_token).or_else(|| env(ENV_SECURITY_TOKEN));

        let missing = |what: &str, flag: &str, var: &str, key: &str| {
            Error::Config(format!(
                "no {what}: pass {flag}, set {var}, or run `respool serve` once so that it writes \
                 \"{key}\" into {} (set the data dir with --data-dir or {ENV_DATA_DIR})",
                file_path.display()
            ))
        };
        let mut config = Config::new(
            endpoint,
            ak.ok_or_else(|| missing("access key", "--ak", ENV_AK, "ak"))?,
            sk.ok_or_else(|| missing("secret key", "--sk", ENV_SK, "sk"))?,
            project.ok_or_else(|| {
                missing("project id", "--project-id", ENV_PROJECT_ID, "project_id")
            })?,
        );
        config.security_token = token;
        Ok(config)
    }
}

/// Settings given explicitly (command-line flags); each wins over the environment.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub endpoint: Option<String>,
    pub access_key: Option<String>,
    pub secret_key: Option<String>,
    pub project_id: Option<String>,
    pub security_token: Option<String>,
    /// Where to look for `credentials.json`.
    pub data_dir: Option<PathBuf>,
}

/// `<data dir>/credentials.json`, as `respool serve` writes it on first start.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CredentialsFile {
    pub ak: Option<String>,
    pub sk: Option<String>,
    pub project_id: Option<String>,
    pub domain_id: Option<String>,
    pub endpoint: Option<String>,
}

impl CredentialsFile {
    /// The file's content, or `None` if there is no such file.
    pub fn read_optional(path: &Path) -> Result<Option<CredentialsFile>, Error> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Error::Config(format!(
                    "cannot read {}: {e}",
                    path.display()
                )))
            }
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| Error::Config(format!("{} is not valid: {e}", path.display())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn flags_beat_env_beat_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CREDENTIALS_FILE),
            r#"{"ak":"FILEAK","sk":"filesk","project_id":"filepid","domain_id":"d","endpoint":"http://127.0.0.1:1"}"#,
        )
        .unwrap();
        let dd = dir.path().to_str().unwrap();

        let c = Config::resolve(&Overrides::default(), env_of(&[(ENV_DATA_DIR, dd)])).unwrap();
        assert_eq!(
            (&*c.access_key, &*c.secret_key, &*c.project_id, &*c.endpoint),
            ("FILEAK", "filesk", "filepid", "http://127.0.0.1:1")
        );

        let env = env_of(&[
            (ENV_DATA_DIR, dd),
            (ENV_AK, "ENVAK"),
            (ENV_PROJECT_ID, "envpid"),
            (ENV_ENDPOINT, "http://127.0.0.1:2"),
            (ENV_SK, ""),
        ]);
        let c = Config::resolve(&Overrides::default(), &env).unwrap();
        assert_eq!(
            (&*c.access_key, &*c.secret_key, &*c.project_id, &*c.endpoint),
            ("ENVAK", "filesk", "envpid", "http://127.0.0.1:2")
        );

        let flags = Overrides {
            access_key: Some("FLAGAK".into()),
            endpoint: Some("http://127.0.0.1:3".into()),
            ..Overrides::default()
        };
        let c = Config::resolve(&flags, &env).unwrap();
        assert_eq!(
            (&*c.access_key, &*c.endpoint),
            ("FLAGAK", "http://127.0.0.1:3")
        );
    }

    #[test]
    fn missing_settings_say_where_to_look() {
        let dir = tempfile::tempdir().unwrap();
        let flags = Overrides {
            data_dir: Some(dir.path().to_owned()),
            ..Overrides::default()
        };
        let e = Config::resolve(&flags, env_of(&[(ENV_AK, "A"), (ENV_SK, "S")])).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("project id") && msg.contains(ENV_PROJECT_ID),
            "{msg}"
        );
        let c = Config::resolve(
            &flags,
            env_of(&[(ENV_AK, "A"), (ENV_SK, "S"), (ENV_PROJECT_ID, "p")]),
        )
        .unwrap();
        assert_eq!(c.endpoint, DEFAULT_ENDPOINT);
        assert!(
            !format!("{c:?}").contains("\"S\""),
            "the secret is not shown"
        );
    }

    #[test]
    fn a_broken_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CREDENTIALS_FILE), "not json").unwrap();
        let flags = Overrides {
            data_dir: Some(dir.path().to_owned()),
            ..Overrides::default()
        };
        assert!(matches!(
            Config::resolve(&flags, |_| None),
            Err(Error::Config(_))
        ));
    }
}
