//! `tackctl login`, `logout`, `whoami`: an account on a relay. The session token lives only in
//! the OS keychain (`keyring`: macOS Keychain, Windows Credential Manager, the Secret Service
//! on Linux and the BSDs), in an entry named after the server URL; the data directory keeps
//! just which server and email (`account.json`), never the token. With no keychain the
//! commands fail and say so: there is no plaintext fallback.

use std::io::{BufRead, IsTerminal};
use std::path::Path;

use anyhow::{bail, Context, Result};
use tack_account::{AccountError, RelayClient};

use tack_account::{delete_token, load_token, read_account};

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
    let relay = RelayClient::new(server).map_err(server_flag)?;
    let password = read_password(password_stdin)?;
    let session = relay.login(email, &password)?;
    session.store(data_dir)?;
    println!(
        "logged in to {} as {}",
        session.account.server, session.account.email
    );
    Ok(())
}

/// The library names the URL; on the command line it is `--server`.
fn server_flag(error: AccountError) -> anyhow::Error {
    match error {
        AccountError::BadServer(url) => {
            anyhow::anyhow!("--server must be an http:// or https:// URL, got {url:?}")
        }
        other => other.into(),
    }
}

fn signed_in(data_dir: &Path) -> Result<(tack_account::Account, String)> {
    let account = read_account(data_dir)?.context("not logged in (run `tackctl login`)")?;
    let token = load_token(&account.server)?
        .context("not logged in: the keychain holds no token (run `tackctl login`)")?;
    Ok((account, token))
}

/// The token of the signed-in account, if this data directory is signed in to `sync_server`
/// (any form of the account's relay: `ws(s)://`, `http(s)://`, with or without `/sync`).
pub fn token_for_sync(data_dir: &Path, sync_server: &str) -> Result<Option<String>> {
    let Some(account) = read_account(data_dir)? else {
        return Ok(None);
    };
    if !tack_account::same_server(&account.server, sync_server) {
        return Ok(None);
    }
    Ok(load_token(&account.server)?)
}

/// `tackctl whoami`: asks the server who the stored token belongs to.
pub fn whoami(data_dir: &Path) -> Result<()> {
    let (account, token) = signed_in(data_dir)?;
    let email = RelayClient::new(&account.server)?
        .with_token(&token)
        .me()?
        .email;
    println!("{email} on {}", account.server);
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
        Some(token) => RelayClient::new(&account.server)?
            .with_token(&token)
            .logout(),
        None => Ok(()),
    };
    delete_token(&account.server)?;
    tack_account::remove_account(data_dir)?;
    match revoked {
        Ok(()) | Err(AccountError::Server { status: 401, .. }) => {
            println!("logged out of {}", account.server)
        }
        Err(AccountError::Server { status, .. }) => println!(
            "forgot the session here; the server answered {status}, so it may stay valid \
             there until it expires"
        ),
        Err(error) => {
            println!("forgot the session here; {error}, so it stays valid there until it expires")
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_uses_the_keychain_token_only_for_the_signed_in_server() {
        let dir = tempfile::tempdir().expect("dir");
        assert_eq!(
            token_for_sync(dir.path(), "ws://127.0.0.1:1").expect("none"),
            None
        );
        tack_account::write_account(
            dir.path(),
            &tack_account::Account {
                server: "http://127.0.0.1:1".into(),
                email: "a@example.com".into(),
                user_id: "u1".into(),
            },
        )
        .expect("write");
        // Another relay: the account's token is not sent there (no keychain is asked).
        assert_eq!(
            token_for_sync(dir.path(), "ws://127.0.0.1:2").expect("other"),
            None
        );
    }
}
