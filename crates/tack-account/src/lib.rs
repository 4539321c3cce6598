//! A Tack account on a relay, shared by `tackctl` and the desktop app. The session token lives
//! only in the OS keychain (`keyring`: macOS Keychain, Windows Credential Manager, the Secret
//! Service on Linux and the BSDs), in an entry named after the server URL; the data directory
//! keeps just which server and user (`account.json`) and the chosen server (`settings.json`),
//! never the token. With no keychain signing in fails and says so: no plaintext fallback.
//!
//! [`RelayClient`] speaks the relay's `/v1` API (sync-server/src/openapi.json): accounts,
//! publishing, members, invites, with `tack-api`'s request and response types, the relay's own.

#![warn(unreachable_pub)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tack_api::{
    AcceptInvite, BoardList, Credentials, ErrorBody, MemberList, NewInvite, NewMember, RoleChange,
    SessionStarted,
};
pub mod blobs;
pub mod read_marks;

pub use tack_api::{ErrorCode, Invite, Me, Member, MyBoard, Role, TaskChangeEntry, TaskHistory};

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
        code: ErrorCode,
        message: String,
    },
    /// The relay answered success with a body that is not what its API says.
    #[error("an answer Tack does not understand from {server}: {detail}")]
    BadAnswer { server: String, detail: String },
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

/// Checks that the keychain can keep a token for `server` now, by writing and removing a
/// probe entry beside the token's. Sign-up calls it before the relay creates the account: an
/// account whose token then cannot be kept would exist on the server with no way in here.
pub fn check_keychain(server: &str) -> Result<(), AccountError> {
    let probe = keyring::Entry::new(KEYCHAIN_SERVICE, &format!("{server} (keychain check)"))
        .map_err(keychain_error)?;
    probe.set_password("check").map_err(keychain_error)?;
    match probe.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
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

/// A client of the relay's `/v1` API, as one user (or anonymously for sign-up and login).
#[derive(Debug, Clone)]
pub struct RelayClient {
    server: String,
    token: Option<String>,
    agent: ureq::Agent,
}

/// An HTTP method of the `/v1` API.
#[derive(Debug, Clone, Copy)]
enum Method {
    Get,
    Put,
    Post,
    Delete,
}

impl RelayClient {
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

    fn bad_answer(&self, detail: impl std::fmt::Display) -> AccountError {
        AccountError::BadAnswer {
            server: self.server.clone(),
            detail: detail.to_string(),
        }
    }

    /// Sends one request with an optional JSON body; a 2xx answer's body text, else the
    /// relay's error.
    fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<String, AccountError> {
        let url = self.url(path);
        let auth = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let response = match method {
            Method::Get | Method::Delete => {
                let mut request = match method {
                    Method::Get => self.agent.get(&url),
                    _ => self.agent.delete(&url),
                };
                if let Some(auth) = &auth {
                    request = request.header("Authorization", auth);
                }
                request.call()
            }
            Method::Put | Method::Post => {
                let mut request = match method {
                    Method::Put => self.agent.put(&url),
                    _ => self.agent.post(&url),
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
        let text = response.body_mut().read_to_string().unwrap_or_default();
        if !(200..300).contains(&status) {
            let error = serde_json::from_str::<ErrorBody>(&text).ok();
            return Err(AccountError::Server {
                status,
                code: error.as_ref().map_or(ErrorCode::Unknown, |e| e.error),
                message: error.map_or_else(|| "no details".to_owned(), |e| e.message),
            });
        }
        Ok(text)
    }

    /// A request whose success answer is a `T`.
    fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<T, AccountError> {
        let text = self.send(method, path, body)?;
        serde_json::from_str(&text).map_err(|e| self.bad_answer(e))
    }

    /// A request whose success answer has no body.
    fn call_empty(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<(), AccountError> {
        self.send(method, path, body).map(drop)
    }

    fn session(&self, started: SessionStarted) -> NewSession {
        NewSession {
            account: Account {
                server: self.server.clone(),
                email: started.email,
                user_id: started.user_id,
            },
            token: started.token,
        }
    }

    fn credentials(email: &str, password: &str) -> Credentials {
        Credentials {
            email: email.to_owned(),
            password: password.to_owned(),
        }
    }

    pub fn signup(&self, email: &str, password: &str) -> Result<NewSession, AccountError> {
        let body = Self::credentials(email, password);
        let started = self.call(Method::Post, "/signup", Some(&body))?;
        Ok(self.session(started))
    }

    pub fn login(&self, email: &str, password: &str) -> Result<NewSession, AccountError> {
        let body = Self::credentials(email, password);
        let started = self.call(Method::Post, "/login", Some(&body))?;
        Ok(self.session(started))
    }

    /// Who the token belongs to.
    pub fn me(&self) -> Result<Me, AccountError> {
        self.call(Method::Get, "/me", NO_BODY)
    }

    /// Revokes this session on the relay.
    pub fn logout(&self) -> Result<(), AccountError> {
        self.call_empty(Method::Post, "/logout", NO_BODY)
    }

    pub fn my_boards(&self) -> Result<Vec<MyBoard>, AccountError> {
        let list: BoardList = self.call(Method::Get, "/boards", NO_BODY)?;
        Ok(list.boards)
    }

    /// Publishes a board under its existing id; returns the caller's role on it.
    pub fn publish(&self, board: &str) -> Result<Role, AccountError> {
        let published: MyBoard = self.call(Method::Put, &format!("/boards/{board}"), NO_BODY)?;
        Ok(published.role)
    }

    pub fn members(&self, board: &str) -> Result<Vec<Member>, AccountError> {
        let path = format!("/boards/{board}/members");
        let list: MemberList = self.call(Method::Get, &path, NO_BODY)?;
        Ok(list.members)
    }

    /// A page of a task's history as the relay names it, newest first: at most `limit`
    /// entries after the change `before` (`<seq>.<n>`, a page's `next_before`; checked here,
    /// since it goes into the URL).
    pub fn task_history(
        &self,
        board: &str,
        task: &str,
        before: Option<(i64, i32)>,
        limit: u32,
    ) -> Result<TaskHistory, AccountError> {
        let mut path = format!("/boards/{board}/tasks/{task}/history?limit={limit}");
        if let Some((seq, n)) = before {
            path.push_str(&format!("&before={seq}.{n}"));
        }
        self.call(Method::Get, &path, NO_BODY)
    }

    pub fn add_member(&self, board: &str, email: &str, role: Role) -> Result<Member, AccountError> {
        let body = NewMember {
            email: email.to_owned(),
            role,
        };
        self.call(
            Method::Put,
            &format!("/boards/{board}/members"),
            Some(&body),
        )
    }

    pub fn set_role(&self, board: &str, user: &str, role: Role) -> Result<(), AccountError> {
        let path = format!("/boards/{board}/members/{user}");
        self.call_empty(Method::Put, &path, Some(&RoleChange { role }))
    }

    pub fn remove_member(&self, board: &str, user: &str) -> Result<(), AccountError> {
        let path = format!("/boards/{board}/members/{user}");
        self.call_empty(Method::Delete, &path, NO_BODY)
    }

    pub fn leave(&self, board: &str) -> Result<(), AccountError> {
        self.call_empty(Method::Post, &format!("/boards/{board}/leave"), NO_BODY)
    }

    /// A new invite link to `board` with the relay's default lifetime and one use.
    pub fn create_invite(&self, board: &str, role: Role) -> Result<Invite, AccountError> {
        let body = NewInvite {
            expires_in: None,
            max_uses: None,
            role,
        };
        self.call(
            Method::Post,
            &format!("/boards/{board}/invites"),
            Some(&body),
        )
    }

    pub fn accept_invite(&self, token: &str) -> Result<MyBoard, AccountError> {
        let body = AcceptInvite {
            token: token.to_owned(),
        };
        self.call(Method::Post, "/invites/accept", Some(&body))
    }
}

/// Whether the relay holds an attachment's bytes (`HEAD /v1/boards/{board}/blobs/{sha256}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobPresence {
    /// Stored, this many bytes.
    Stored(u64),
    /// Not stored; the relay holds this many bytes of an interrupted upload of it (0: none).
    Missing { held: u64 },
}

/// Attachments' bytes (DESIGN §4 "Blobs"): streamed both ways a buffer at a time, with no
/// overall time limit (a large file on a slow link takes what it takes) but a limit on each
/// wait for the other side.
impl RelayClient {
    fn blob_url(&self, board: &str, sha256: &str) -> String {
        self.url(&format!("/boards/{board}/blobs/{sha256}"))
    }

    fn blob_agent() -> ureq::Agent {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(TIMEOUT))
            .timeout_recv_response(Some(TIMEOUT))
            .timeout_send_request(Some(TIMEOUT))
            .build()
            .into()
    }

    fn server_error(status: u16, text: &str) -> AccountError {
        let error = serde_json::from_str::<ErrorBody>(text).ok();
        AccountError::Server {
            status,
            code: error.as_ref().map_or(ErrorCode::Unknown, |e| e.error),
            message: error.map_or_else(|| format!("HTTP {status}"), |e| e.message),
        }
    }

    /// Whether the relay holds `sha256` of `board`.
    pub fn blob_presence(&self, board: &str, sha256: &str) -> Result<BlobPresence, AccountError> {
        let mut request = Self::blob_agent().head(self.blob_url(board, sha256));
        if let Some(token) = &self.token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let response = request.call().map_err(|e| self.network(e))?;
        let number = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        match response.status().as_u16() {
            200 => Ok(BlobPresence::Stored(number("content-length").unwrap_or(0))),
            404 if response.headers().contains_key("upload-offset") => Ok(BlobPresence::Missing {
                held: number("upload-offset").unwrap_or(0),
            }),
            status => Err(Self::server_error(status, "")),
        }
    }

    /// Uploads the file at `path` (`size` bytes, SHA-256 `sha256`) to `board`, from byte
    /// `from` on (what the relay already holds of an interrupted upload), streamed from disk.
    pub fn upload_blob(
        &self,
        board: &str,
        sha256: &str,
        path: &Path,
        size: u64,
        from: u64,
    ) -> Result<(), AccountError> {
        use std::io::{Read, Seek, SeekFrom};
        let file_error = |e: std::io::Error| AccountError::File {
            path: path.to_path_buf(),
            detail: e.to_string(),
        };
        let mut file = std::fs::File::open(path).map_err(file_error)?;
        file.seek(SeekFrom::Start(from)).map_err(file_error)?;
        let mut request = Self::blob_agent()
            .put(self.blob_url(board, sha256))
            .header("Content-Length", (size - from.min(size)).to_string())
            .header("Content-Type", "application/octet-stream");
        if from > 0 && from < size {
            request = request.header("Content-Range", format!("bytes {from}-{}/{size}", size - 1));
        }
        if let Some(token) = &self.token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let body = ureq::SendBody::from_owned_reader(file.take(size - from.min(size)));
        let mut response = request.send(body).map_err(|e| self.network(e))?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(());
        }
        let text = response.body_mut().read_to_string().unwrap_or_default();
        Err(Self::server_error(status, &text))
    }

    /// Downloads `sha256` of `board` into `sink`, a buffer at a time; returns the bytes
    /// written.
    pub fn download_blob(
        &self,
        board: &str,
        sha256: &str,
        sink: &mut dyn FnMut(&mut dyn std::io::Read) -> std::io::Result<u64>,
    ) -> Result<u64, AccountError> {
        let mut request = Self::blob_agent().get(self.blob_url(board, sha256));
        if let Some(token) = &self.token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let mut response = request.call().map_err(|e| self.network(e))?;
        let status = response.status().as_u16();
        if status != 200 {
            let text = response.body_mut().read_to_string().unwrap_or_default();
            return Err(Self::server_error(status, &text));
        }
        let mut reader = response.body_mut().with_config().limit(u64::MAX).reader();
        sink(&mut reader).map_err(|e| AccountError::Network {
            server: self.server.clone(),
            detail: e.to_string(),
        })
    }
}

/// The body of a request that sends none.
const NO_BODY: Option<&()> = None;

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
