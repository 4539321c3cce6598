//! `tackctl login`, `logout`, `whoami`: an account on a relay. The session token lives only in
//! the OS keychain (`keyring`: macOS Keychain, Windows Credential Manager, the Secret Service
//! on Linux and the BSDs), in an entry named after the server URL; the data directory keeps
//! just which server and email (`account.json`), never the token. With no keychain the
//! commands fail and say so: there is no plaintext fallback.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

/// The keychain service every Tack token is stored under; the entry's user is the server URL.
pub const KEYCHAIN_SERVICE: &str = "tack";
const ACCOUNT_FILE: &str = "account.json";
const TIMEOUT: Duration = Duration::from_secs(30);

/// Which account this data directory is signed in to (no secret in here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub server: String,
    pub email: String,
    pub user_id: String,
}

/// `https://relay.example.com/` → `https://relay.example.com`; refuses anything but http(s).
pub fn normalise_server(url: &str) -> Result<String> {
    let url = url.trim().trim_end_matches('/');
    let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
    if !scheme_ok || url.len() <= "http://".len() {
        bail!("--server must be an http:// or https:// URL, got {url:?}");
    }
    Ok(url.to_owned())
}

fn keychain_entry(server: &str) -> Result<keyring::Entry> {
    keyring::Entry::new(KEYCHAIN_SERVICE, server).map_err(keychain_error)
}

fn keychain_error(error: keyring::Error) -> anyhow::Error {
    match error {
        keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) => {
            anyhow::anyhow!(
                "no usable OS keychain ({error}); tackctl keeps session tokens only in the \
                 keychain (on Linux: a running Secret Service such as gnome-keyring or KeePassXC), \
                 never in a file"
            )
        }
        other => anyhow::Error::new(other).context("the OS keychain refused"),
    }
}

/// Stores the token for `server` in the keychain.
pub fn save_token(server: &str, token: &str) -> Result<()> {
    keychain_entry(server)?
        .set_password(token)
        .map_err(keychain_error)
}

/// The token for `server`, `None` when the keychain holds none.
pub fn load_token(server: &str) -> Result<Option<String>> {
    match keychain_entry(server)?.get_password() {
        Ok(token) => Ok(Some(token)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(error) => Err(keychain_error(error)),
    }
}

/// Removes the token for `server` (nothing to remove is fine).
pub fn delete_token(server: &str) -> Result<()> {
    match keychain_entry(server)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(error) => Err(keychain_error(error)),
    }
}

fn account_path(data_dir: &Path) -> PathBuf {
    data_dir.join(ACCOUNT_FILE)
}

pub fn read_account(data_dir: &Path) -> Result<Option<Account>> {
    let path = account_path(data_dir);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .with_context(|| format!("reading {}", path.display())),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error).with_context(|| format!("reading {}", path.display())),
    }
}

fn write_account(data_dir: &Path, account: &Account) -> Result<()> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let path = account_path(data_dir);
    let json = serde_json::to_vec_pretty(account)?;
    std::fs::write(&path, json).with_context(|| format!("writing {}", path.display()))
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(TIMEOUT))
        .build()
        .into()
}

/// The JSON body of a 200 answer; any other status becomes the server's `{error, message}`
/// as one line.
fn ok_json(mut response: ureq::http::Response<ureq::Body>) -> Result<serde_json::Value> {
    let status = response.status().as_u16();
    let body: serde_json::Value = response
        .body_mut()
        .read_json()
        .unwrap_or(serde_json::Value::Null);
    if status != 200 {
        let message = body["message"].as_str().unwrap_or("no details");
        bail!("the server answered {status}: {message}");
    }
    Ok(body)
}

fn read_password(password_stdin: bool) -> Result<String> {
    let password = if password_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from stdin")?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        rpassword::prompt_password("Password: ").context("reading the password")?
    };
    if password.is_empty() {
        bail!("empty password");
    }
    Ok(password)
}

/// `tackctl login`: logs in, keeps the token in the keychain and the account in the data dir.
pub fn login(data_dir: &Path, server: &str, email: &str, password_stdin: bool) -> Result<()> {
    let server = normalise_server(server)?;
    let password = read_password(password_stdin)?;
    let body = ok_json(
        agent()
            .post(format!("{server}/v1/login"))
            .send_json(serde_json::json!({"email": email, "password": password}))
            .with_context(|| format!("reaching {server}"))?,
    )?;
    let token = body["token"]
        .as_str()
        .context("the server's answer holds no token")?;
    save_token(&server, token)?;
    let account = Account {
        server: server.clone(),
        email: body["email"].as_str().unwrap_or(email).to_owned(),
        user_id: body["user_id"].as_str().unwrap_or_default().to_owned(),
    };
    write_account(data_dir, &account)?;
    println!("logged in to {server} as {}", account.email);
    Ok(())
}

fn signed_in(data_dir: &Path) -> Result<(Account, String)> {
    let account = read_account(data_dir)?.context("not logged in (run `tackctl login`)")?;
    let token = load_token(&account.server)?
        .context("not logged in: the keychain holds no token (run `tackctl login`)")?;
    Ok((account, token))
}

/// `tackctl whoami`: asks the server who the stored token belongs to.
pub fn whoami(data_dir: &Path) -> Result<()> {
    let (account, token) = signed_in(data_dir)?;
    let body = ok_json(
        agent()
            .get(format!("{}/v1/me", account.server))
            .header("Authorization", format!("Bearer {token}"))
            .call()
            .with_context(|| format!("reaching {}", account.server))?,
    )?;
    println!(
        "{} on {}",
        body["email"].as_str().unwrap_or(&account.email),
        account.server
    );
    Ok(())
}

/// `tackctl logout`: revokes the session on the server, then forgets it here. The local
/// token is removed even when the server cannot be reached.
pub fn logout(data_dir: &Path) -> Result<()> {
    let Some(account) = read_account(data_dir)? else {
        println!("not logged in");
        return Ok(());
    };
    let revoked = match load_token(&account.server)? {
        Some(token) => agent()
            .post(format!("{}/v1/logout", account.server))
            .header("Authorization", format!("Bearer {token}"))
            .send_empty()
            .map(|response| response.status().as_u16()),
        None => Ok(401),
    };
    delete_token(&account.server)?;
    std::fs::remove_file(account_path(data_dir))
        .with_context(|| format!("removing {}", account_path(data_dir).display()))?;
    match revoked {
        Ok(204 | 401) => println!("logged out of {}", account.server),
        Ok(status) => println!(
            "forgot the session here; the server answered {status}, so it may stay valid \
             there until it expires"
        ),
        Err(error) => println!(
            "forgot the session here; could not reach {} ({error}), so it stays valid there \
             until it expires",
            account.server
        ),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_round_trips_through_the_keychain_keyed_by_server() {
        keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
        let server = normalise_server("https://relay.example.com/").expect("url");
        assert_eq!(server, "https://relay.example.com");
        // The mock keeps credentials per Entry object only, so each call sees its own store;
        // what is checked here is that our calls go through the keychain API and map its
        // answers: an absent entry reads as None and deleting it is fine.
        assert_eq!(load_token(&server).expect("load"), None);
        delete_token(&server).expect("deleting nothing is fine");
        let entry = keychain_entry(&server).expect("entry");
        entry.set_password("the-token").expect("set");
        assert_eq!(entry.get_password().expect("get"), "the-token");
        entry.delete_credential().expect("delete");
        assert!(matches!(entry.get_password(), Err(keyring::Error::NoEntry)));
    }

    #[test]
    fn a_keychain_failure_names_the_keychain_and_refuses_plaintext() {
        let error = keychain_error(keyring::Error::NoStorageAccess("no D-Bus".into()));
        let text = format!("{error:#}");
        assert!(text.contains("no usable OS keychain"), "{text}");
        assert!(text.contains("never in a file"), "{text}");
    }

    #[test]
    fn servers_must_be_http_urls() {
        assert!(normalise_server("relay.example.com").is_err());
        assert!(normalise_server("ftp://x").is_err());
        assert_eq!(
            normalise_server(" http://127.0.0.1:8787 ").expect("url"),
            "http://127.0.0.1:8787"
        );
    }

    #[test]
    fn the_account_file_holds_no_token() {
        let dir = tempfile::tempdir().expect("dir");
        let account = Account {
            server: "https://relay.example.com".into(),
            email: "a@example.com".into(),
            user_id: "u1".into(),
        };
        write_account(dir.path(), &account).expect("write");
        assert_eq!(read_account(dir.path()).expect("read"), Some(account));
        let text = std::fs::read_to_string(dir.path().join(ACCOUNT_FILE)).expect("text");
        assert!(!text.contains("token"));
    }
}
