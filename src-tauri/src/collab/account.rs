//! The account: which relay (`settings.json`), who is signed in (`account.json`, the token in
//! the OS keychain via `tack-account`), signing up, in and out.

use tack_account::{Account, RelayClient};

use super::Collab;
use crate::ipc::{AccountState, ErrorKind, IpcError, SignedInUser};

impl Collab {
    /// Reads the chosen relay and the signed-in account (if any) from the data directory.
    pub(super) fn load_account(&self) {
        let dir = &self.context.data_dir;
        let settings = tack_account::read_settings(dir).unwrap_or_else(|err| {
            tracing::warn!(%err, "unreadable settings; starting without a server");
            tack_account::Settings::default()
        });
        let signed_in = match tack_account::signed_in(dir) {
            Ok(found) => Some(found),
            Err(tack_account::AccountError::SignedOut) => None,
            Err(err) => {
                tracing::warn!(%err, "cannot read the signed-in account; signed out");
                None
            }
        };
        let mut state = self.context.state();
        state.server = settings
            .server
            .or_else(|| signed_in.as_ref().map(|(a, _)| a.server.clone()));
        if let Some((account, token)) = signed_in {
            state.account = Some(account);
            state.token = Some(token);
        }
    }

    pub fn account_state(&self) -> AccountState {
        let state = self.context.state();
        AccountState {
            server: state.server.clone(),
            user: state.account.as_ref().map(|account| SignedInUser {
                user_id: account.user_id.clone(),
                email: account.email.clone(),
            }),
        }
    }

    /// The signed-in account's member id (who comments are by), if any.
    pub fn signed_in_user(&self) -> Option<String> {
        let state = self.context.state();
        state
            .account
            .as_ref()
            .map(|account| account.user_id.clone())
    }

    /// The signed-in account's id and email (whom the directory marks as me), if any.
    pub fn signed_in_account(&self) -> Option<SignedInUser> {
        let state = self.context.state();
        state.account.as_ref().map(|account| SignedInUser {
            user_id: account.user_id.clone(),
            email: account.email.clone(),
        })
    }

    /// Sets the relay; a different one than the signed-in account's signs out first.
    pub fn set_server_url(&self, url: &str) -> Result<AccountState, IpcError> {
        let server = tack_account::normalise_server(url)?;
        let signed_in_elsewhere = self
            .context
            .state()
            .account
            .as_ref()
            .is_some_and(|account| !tack_account::same_server(&account.server, &server));
        if signed_in_elsewhere {
            self.sign_out()?;
        }
        tack_account::write_settings(
            &self.context.data_dir,
            &tack_account::Settings {
                server: Some(server.clone()),
            },
        )?;
        self.context.state().server = Some(server);
        Ok(self.account_state())
    }

    fn server(&self) -> Result<String, IpcError> {
        self.context
            .state()
            .server
            .clone()
            .ok_or_else(|| IpcError::invalid("Set the server URL first."))
    }

    /// Creates the account and signs in. The keychain is checked first: failing after the relay
    /// made the account would leave one whose email the retry finds taken.
    pub fn sign_up(&self, email: &str, password: &str) -> Result<AccountState, IpcError> {
        let server = self.server()?;
        let relay = RelayClient::new(&server)?;
        tack_account::check_keychain(&server)?;
        let session = relay.signup(email, password)?;
        self.signed_in(session)
    }

    pub fn sign_in(&self, email: &str, password: &str) -> Result<AccountState, IpcError> {
        let session = RelayClient::new(&self.server()?)?.login(email, password)?;
        self.signed_in(session)
    }

    fn signed_in(&self, session: tack_account::NewSession) -> Result<AccountState, IpcError> {
        self.stop_sync();
        session.store(&self.context.data_dir)?;
        Ok(self.use_session(session))
    }

    /// Uses a session obtained elsewhere for this run only, without the keychain (embedding,
    /// and the session-level tests, whose process has no Secret Service).
    pub fn use_session(&self, session: tack_account::NewSession) -> AccountState {
        {
            let mut state = self.context.state();
            state.server = Some(session.account.server.clone());
            state.account = Some(session.account);
            state.token = Some(session.token);
        }
        self.restart_sync();
        self.account_state()
    }

    /// Revokes the session on the relay (best effort) and forgets it here.
    pub fn sign_out(&self) -> Result<AccountState, IpcError> {
        self.stop_sync();
        let (account, token) = {
            let mut state = self.context.state();
            (state.account.take(), state.token.take())
        };
        if let Some(account) = account {
            if let Some(token) = token {
                if let Err(err) = RelayClient::new(&account.server)?
                    .with_token(&token)
                    .logout()
                {
                    tracing::warn!(%err, "could not revoke the session on the relay");
                }
            }
            tack_account::delete_token(&account.server)?;
        }
        tack_account::remove_account(&self.context.data_dir)?;
        self.publish_status(None);
        Ok(self.account_state())
    }

    /// The relay as the signed-in user.
    pub(super) fn relay(&self) -> Result<(RelayClient, Account), IpcError> {
        let state = self.context.state();
        match (&state.account, &state.token) {
            (Some(account), Some(token)) => Ok((
                RelayClient::new(&account.server)?.with_token(token),
                account.clone(),
            )),
            _ => Err(IpcError::new(ErrorKind::SignedOut, "Sign in first.")),
        }
    }
}
