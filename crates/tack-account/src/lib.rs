//! A Tack account on a relay, shared by `tackctl` and the desktop app. The session token lives
//! only in the OS keychain (`keyring`: macOS Keychain, Windows Credential Manager, the Secret
//! Service on Linux and the BSDs), in an entry named after the server URL; the data directory
//! keeps just which server and user (`account.json`) and the chosen server (`settings.json`),
//! never the token. With no keychain signing in fails and says so: no plaintext fallback.
//!
//! [`Relay`] speaks the relay's `/v1` API (sync-server/openapi.json): accounts, publishing,
//! members, invites.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The keychain service every Tack token is stored under; the entry's user is the server URL.
pub const KEYCHAIN_SERVICE: &str = "tack";
const ACCOUNT_FILE: &str = "account.json";
const SETTINGS_FILE: &str = "settings.json";
const TIMEOUT: Duration = Duration::from_secs(30);

/// Everything that can go wrong with an account.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("the server must be an http:// or https:// URL, got {0:?}")]
    BadServer(String),
    #[error(
        "no usable OS keychain ({0}); Tack keeps session tokens only in the keychain (on \
         Linux: a running Secret Service such as gnome-keyring or KeePassXC), never in a file"
    )]
    NoKeychain(String),
    #[error("the OS keychain refused: {0}")]
    Keychain(String),
    #[error("not signed in")]
    SignedOut,
    #[error("could not reach {server}: {detail}")]
    Network { server: String, detail: String },
    /// The relay answered with an error: its HTTP status, `error` code and message.
    #[error("the server answered {status}: {message}")]
    Server {
        status: u16,
        code: String,
        message: String,
    },
    #[error("{path}: {detail}")]
    File { path: PathBuf, detail: String },
}

/// Which account this data directory is signed in to (no secret in here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub server: String,
    pub email: String,
    pub user_id: String,
}

/// A member's role on a board, as the relay names it.
pub use sync_protocol::Role;

/// A board the user is a member of.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MyBoard {
    pub board_id: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Member {
    pub user_id: String,
    pub email: String,
    pub role: Role,
}

/// A fresh invite: `token` is what the invited person accepts.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Invite {
    pub token: String,
    pub board_id: String,
    pub role: Role,
    /// Seconds since the epoch.
    pub expires_at: i64,
}

/// The one canonical form of a relay's address, from whatever a person typed or a store
/// recorded: `http(s)://host[:port][/path]`, scheme in lower case, no trailing slash, no
/// `/sync` endpoint. The WebSocket forms are accepted and mean the same relay (`ws://` is
/// `http://`, `wss://` is `https://`), so every form of one relay compares equal once
/// normalised. Anything else (no scheme, another scheme, no host, spaces) is refused.
pub fn normalise_server(url: &str) -> Result<String, AccountError> {
    let trimmed = url.trim();
    let bad = || AccountError::BadServer(trimmed.to_owned());
    let (scheme, rest) = trimmed.split_once("://").ok_or_else(bad)?;
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "http" | "ws" => "http",
        "https" | "wss" => "https",
        _ => return Err(bad()),
    };
    let mut rest = rest.trim_end_matches('/');
    if let Some(base) = rest.strip_suffix("/sync") {
        rest = base.trim_end_matches('/');
    }
    let host = rest.split('/').next().unwrap_or_default();
    let unusable = |c: char| c.is_whitespace() || matches!(c, '?' | '#' | '@' | '\\');
    if host.is_empty() || host.starts_with(':') || rest.contains(unusable) {
        return Err(bad());
    }
    Ok(format!("{scheme}://{rest}"))
}

/// Whether two addresses name the same relay (see [`normalise_server`]); an unusable one
/// names none.
pub fn same_server(a: &str, b: &str) -> bool {
    match (normalise_server(a), normalise_server(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The relay's WebSocket base for an account server: `http(s)://` → `ws(s)://`.
pub fn sync_url(server: &str) -> String {
    if let Some(rest) = server.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = server.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        server.to_owned()
    }
}

fn keychain_entry(server: &str) -> Result<keyring::Entry, AccountError> {
    keyring::Entry::new(KEYCHAIN_SERVICE, server).map_err(keychain_error)
}

/// Maps a keyring failure; "no keychain at all" is told apart from "the keychain refused".
pub fn keychain_error(error: keyring::Error) -> AccountError {
    match error {
        keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) => {
            AccountError::NoKeychain(error.to_string())
        }
        other => AccountError::Keychain(other.to_string()),
    }
}

/// Stores the token for `server` in the keychain.
pub fn save_token(server: &str, token: &str) -> Result<(), AccountError> {
    keychain_entry(server)?
        .set_password(token)
        .map_err(keychain_error)
}

/// The token for `server`, `None` when the keychain holds none.
pub fn load_token(server: &str) -> Result<Option<String>, AccountError> {
    match keychain_entry(server)?.get_password() {
        Ok(token) => Ok(Some(token)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(error) => Err(keychain_error(error)),
    }
}

/// Removes the token for `server` (nothing to remove is fine).
pub fn delete_token(server: &str) -> Result<(), AccountError> {
    match keychain_entry(server)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(error) => Err(keychain_error(error)),
    }
}

pub fn account_path(data_dir: &Path) -> PathBuf {
    data_dir.join(ACCOUNT_FILE)
}

fn file_error(path: &Path, detail: impl std::fmt::Display) -> AccountError {
    AccountError::File {
        path: path.to_owned(),
        detail: detail.to_string(),
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>, AccountError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| file_error(path, e)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(file_error(path, error)),
    }
}

fn write_json<T: Serialize>(data_dir: &Path, path: &Path, value: &T) -> Result<(), AccountError> {
    std::fs::create_dir_all(data_dir).map_err(|e| file_error(data_dir, e))?;
    let json = serde_json::to_vec_pretty(value).map_err(|e| file_error(path, e))?;
    std::fs::write(path, json).map_err(|e| file_error(path, e))
}

pub fn read_account(data_dir: &Path) -> Result<Option<Account>, AccountError> {
    read_json(&account_path(data_dir))
}

pub fn write_account(data_dir: &Path, account: &Account) -> Result<(), AccountError> {
    write_json(data_dir, &account_path(data_dir), account)
}

/// Forgets which account this data directory was signed in to (none is fine).
pub fn remove_account(data_dir: &Path) -> Result<(), AccountError> {
    let path = account_path(data_dir);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(file_error(&path, error)),
    }
}

/// The desktop app's settings: the relay to use (kept when signed out).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub server: Option<String>,
}

pub fn read_settings(data_dir: &Path) -> Result<Settings, AccountError> {
    Ok(read_json(&data_dir.join(SETTINGS_FILE))?.unwrap_or_default())
}

pub fn write_settings(data_dir: &Path, settings: &Settings) -> Result<(), AccountError> {
    write_json(data_dir, &data_dir.join(SETTINGS_FILE), settings)
}

/// The signed-in account and its token, or `SignedOut`.
pub fn signed_in(data_dir: &Path) -> Result<(Account, String), AccountError> {
    let account = read_account(data_dir)?.ok_or(AccountError::SignedOut)?;
    let token = load_token(&account.server)?.ok_or(AccountError::SignedOut)?;
    Ok((account, token))
}

/// A new session: the token goes to the keychain, the rest to `account.json`.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub account: Account,
    pub token: String,
}

impl NewSession {
    /// Keeps it: token in the keychain, account in the data directory.
    pub fn store(&self, data_dir: &Path) -> Result<(), AccountError> {
        save_token(&self.account.server, &self.token)?;
        write_account(data_dir, &self.account)
    }
}

/// The relay's `/v1` API, as one user (or anonymously for sign-up and login).
#[derive(Debug, Clone)]
pub struct Relay {
    server: String,
    token: Option<String>,
    agent: ureq::Agent,
}

impl Relay {
    pub fn new(server: &str) -> Result<Self, AccountError> {
        Ok(Self {
            server: normalise_server(server)?,
            token: None,
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(TIMEOUT))
                .build()
                .into(),
        })
    }

    pub fn with_token(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }

    pub fn server(&self) -> &str {
        &self.server
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v1{path}", self.server)
    }

    fn network(&self, error: ureq::Error) -> AccountError {
        AccountError::Network {
            server: self.server.clone(),
            detail: error.to_string(),
        }
    }

    /// Sends one request; a 2xx answer's JSON body (null when empty), else the relay's error.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, AccountError> {
        let url = self.url(path);
        let auth = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let response = match method {
            "GET" | "DELETE" => {
                let mut request = if method == "GET" {
                    self.agent.get(&url)
                } else {
                    self.agent.delete(&url)
                };
                if let Some(auth) = &auth {
                    request = request.header("Authorization", auth);
                }
                request.call()
            }
            _ => {
                let mut request = if method == "PUT" {
                    self.agent.put(&url)
                } else {
                    self.agent.post(&url)
                };
                if let Some(auth) = &auth {
                    request = request.header("Authorization", auth);
                }
                match body {
                    Some(body) => request.send_json(body),
                    None => request.send_empty(),
                }
            }
        };
        let mut response = response.map_err(|e| self.network(e))?;
        let status = response.status().as_u16();
        let body: Value = response.body_mut().read_json().unwrap_or(Value::Null);
        if !(200..300).contains(&status) {
            return Err(AccountError::Server {
                status,
                code: body["error"].as_str().unwrap_or("unknown").to_owned(),
                message: body["message"].as_str().unwrap_or("no details").to_owned(),
            });
        }
        Ok(body)
    }

    fn parse<T: serde::de::DeserializeOwned>(&self, value: Value) -> Result<T, AccountError> {
        serde_json::from_value(value).map_err(|e| AccountError::Server {
            status: 200,
            code: "bad_answer".into(),
            message: format!("an answer Tack does not understand: {e}"),
        })
    }

    fn session(&self, body: &Value, email: &str) -> Result<NewSession, AccountError> {
        let token = body["token"]
            .as_str()
            .ok_or_else(|| AccountError::Server {
                status: 200,
                code: "bad_answer".into(),
                message: "the server's answer holds no token".into(),
            })?
            .to_owned();
        Ok(NewSession {
            account: Account {
                server: self.server.clone(),
                email: body["email"].as_str().unwrap_or(email).to_owned(),
                user_id: body["user_id"].as_str().unwrap_or_default().to_owned(),
            },
            token,
        })
    }

    pub fn signup(&self, email: &str, password: &str) -> Result<NewSession, AccountError> {
        let body = self.call(
            "POST",
            "/signup",
            Some(json!({"email": email, "password": password})),
        )?;
        self.session(&body, email)
    }

    pub fn login(&self, email: &str, password: &str) -> Result<NewSession, AccountError> {
        let body = self.call(
            "POST",
            "/login",
            Some(json!({"email": email, "password": password})),
        )?;
        self.session(&body, email)
    }

    /// Who the token belongs to: `(user_id, email)`.
    pub fn me(&self) -> Result<(String, String), AccountError> {
        let body = self.call("GET", "/me", None)?;
        Ok((
            body["user_id"].as_str().unwrap_or_default().to_owned(),
            body["email"].as_str().unwrap_or_default().to_owned(),
        ))
    }

    /// Revokes this session on the relay.
    pub fn logout(&self) -> Result<(), AccountError> {
        self.call("POST", "/logout", None).map(drop)
    }

    pub fn my_boards(&self) -> Result<Vec<MyBoard>, AccountError> {
        let body = self.call("GET", "/boards", None)?;
        self.parse(body["boards"].clone())
    }

    /// Publishes a board under its existing id; returns the caller's role on it.
    pub fn publish(&self, board: &str) -> Result<Role, AccountError> {
        let body = self.call("PUT", &format!("/boards/{board}"), None)?;
        self.parse(body["role"].clone())
    }

    pub fn members(&self, board: &str) -> Result<Vec<Member>, AccountError> {
        let body = self.call("GET", &format!("/boards/{board}/members"), None)?;
        self.parse(body["members"].clone())
    }

    pub fn add_member(&self, board: &str, email: &str, role: Role) -> Result<Member, AccountError> {
        let body = self.call(
            "PUT",
            &format!("/boards/{board}/members"),
            Some(json!({"email": email, "role": role})),
        )?;
        self.parse(body)
    }

    pub fn set_role(&self, board: &str, user: &str, role: Role) -> Result<(), AccountError> {
        self.call(
            "PUT",
            &format!("/boards/{board}/members/{user}"),
            Some(json!({ "role": role })),
        )
        .map(drop)
    }

    pub fn remove_member(&self, board: &str, user: &str) -> Result<(), AccountError> {
        self.call("DELETE", &format!("/boards/{board}/members/{user}"), None)
            .map(drop)
    }

    pub fn leave(&self, board: &str) -> Result<(), AccountError> {
        self.call("POST", &format!("/boards/{board}/leave"), None)
            .map(drop)
    }

    pub fn create_invite(&self, board: &str, role: Role) -> Result<Invite, AccountError> {
        let body = self.call(
            "POST",
            &format!("/boards/{board}/invites"),
            Some(json!({ "role": role })),
        )?;
        self.parse(body)
    }

    pub fn accept_invite(&self, token: &str) -> Result<MyBoard, AccountError> {
        let body = self.call("POST", "/invites/accept", Some(json!({ "token": token })))?;
        self.parse(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keychain_failure_names_the_keychain_and_refuses_plaintext() {
        let error = keychain_error(keyring::Error::NoStorageAccess("no D-Bus".into()));
        let text = error.to_string();
        assert!(text.contains("no usable OS keychain"), "{text}");
        assert!(text.contains("never in a file"), "{text}");
    }

    #[test]
    fn servers_must_be_http_urls_and_sync_goes_over_websockets_on_the_same_host() {
        assert!(normalise_server("relay.example.com").is_err());
        assert!(normalise_server("ftp://x").is_err());
        let server = normalise_server(" http://127.0.0.1:8787/ ").expect("url");
        assert_eq!(server, "http://127.0.0.1:8787");
        assert_eq!(sync_url(&server), "ws://127.0.0.1:8787");
        assert_eq!(
            sync_url("https://tack.example.com"),
            "wss://tack.example.com"
        );
    }

    #[test]
    fn every_form_of_one_relay_normalises_to_one_address() {
        for typed in [
            "https://tack.example.com",
            "https://tack.example.com/",
            "  https://tack.example.com//  ",
            "HTTPS://tack.example.com",
            "wss://tack.example.com",
            "wss://tack.example.com/sync",
            "wss://tack.example.com/sync/",
            "https://tack.example.com/sync",
        ] {
            assert_eq!(
                normalise_server(typed).expect(typed),
                "https://tack.example.com",
                "{typed:?}"
            );
        }
        assert_eq!(
            normalise_server("ws://127.0.0.1:8787/").expect("ws"),
            "http://127.0.0.1:8787"
        );
        assert_eq!(
            normalise_server("http://example.com/tack/sync").expect("a path"),
            "http://example.com/tack"
        );
        for refused in [
            "",
            "   ",
            "relay.example.com",
            "127.0.0.1:8787",
            "ftp://x",
            "http://",
            "http:///",
            "https://:8080",
            "http://exa mple.com",
            "http://example.com/?token=x",
            "http://user@example.com",
            "mailto:someone@example.com",
        ] {
            assert!(
                normalise_server(refused).is_err(),
                "{refused:?} was accepted"
            );
        }
        assert!(same_server("ws://127.0.0.1:8787", "http://127.0.0.1:8787/"));
        assert!(!same_server(
            "ws://127.0.0.1:8787",
            "https://127.0.0.1:8787"
        ));
        assert!(!same_server("nonsense", "nonsense"));
    }

    #[test]
    fn the_account_and_settings_files_hold_no_token() {
        let dir = tempfile::tempdir().expect("dir");
        let session = NewSession {
            account: Account {
                server: "https://relay.example.com".into(),
                email: "a@example.com".into(),
                user_id: "u1".into(),
            },
            token: "secret-token".into(),
        };
        write_account(dir.path(), &session.account).expect("write");
        let settings = Settings {
            server: Some(session.account.server.clone()),
        };
        write_settings(dir.path(), &settings).expect("settings");
        assert_eq!(
            read_account(dir.path()).expect("read"),
            Some(session.account.clone())
        );
        assert_eq!(read_settings(dir.path()).expect("read"), settings);
        for file in [ACCOUNT_FILE, SETTINGS_FILE] {
            let text = std::fs::read_to_string(dir.path().join(file)).expect("text");
            assert!(!text.contains("secret-token"), "{file}: {text}");
        }
        remove_account(dir.path()).expect("remove");
        assert_eq!(read_account(dir.path()).expect("read"), None);
        remove_account(dir.path()).expect("removing nothing is fine");
    }
}
