//! The JSON API under `/v1`: sign up, log in and out, sessions, `me`; publishing boards,
//! members and roles, invite links. Errors are `{"error": code, "message": text}` with the
//! matching status; internal errors are logged and answered with a generic text.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::Argon2;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use rand::RngCore as _;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;
use tokio::time::Instant;

use crate::accounts::{new_token, token_digest, AccountError, Role, SessionUser};
use crate::server::Shared;

/// Settings of the account API.
#[derive(Debug, Clone)]
pub struct AccountsConfig {
    /// How long a session token stays valid.
    pub session_lifetime: Duration,
    /// Failed logins per email allowed within `login_window` before further attempts get 429.
    pub login_failures: u32,
    pub login_window: Duration,
    /// Longest invite link lifetime a caller may ask for.
    pub max_invite_lifetime: Duration,
}

impl Default for AccountsConfig {
    fn default() -> Self {
        Self {
            session_lifetime: Duration::from_secs(30 * 24 * 3600),
            login_failures: 5,
            login_window: Duration::from_secs(60),
            max_invite_lifetime: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

/// Failed logins per email, forgotten after the window (bounded: cleared when it grows large).
#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

const THROTTLE_MAX_ENTRIES: usize = 100_000;

impl LoginThrottle {
    /// `Some(seconds to wait)` when this email is locked out now.
    fn locked(&self, email: &str, config: &AccountsConfig) -> Option<u64> {
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let (count, since) = failures.get(email)?;
        let elapsed = since.elapsed();
        (*count >= config.login_failures && elapsed < config.login_window)
            .then(|| (config.login_window - elapsed).as_secs().max(1))
    }

    fn failed(&self, email: &str, config: &AccountsConfig) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() >= THROTTLE_MAX_ENTRIES {
            failures.retain(|_, (_, since)| since.elapsed() < config.login_window);
        }
        let entry = failures
            .entry(email.to_owned())
            .or_insert((0, Instant::now()));
        if entry.1.elapsed() >= config.login_window {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }

    fn succeeded(&self, email: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(email);
    }
}

/// An error answer: status, stable machine-readable code, human text. Never internals.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid session token is required (Authorization: Bearer <token>)",
        )
    }
}

impl From<AccountError> for ApiError {
    fn from(error: AccountError) -> Self {
        match error {
            AccountError::EmailTaken => {
                Self::new(StatusCode::CONFLICT, "email_taken", error.to_string())
            }
            AccountError::NotFound => Self::new(StatusCode::NOT_FOUND, "not_found", "not found"),
            AccountError::Forbidden => Self::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "your role on this board does not allow this",
            ),
            AccountError::BoardTaken => {
                Self::new(StatusCode::CONFLICT, "board_taken", error.to_string())
            }
            AccountError::LastOwner => {
                Self::new(StatusCode::CONFLICT, "last_owner", error.to_string())
            }
            AccountError::Storage(error) => {
                tracing::error!(%error, "account storage failed");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the server cannot complete this now; try again",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(json!({"error": self.code, "message": self.message}));
        match self.retry_after {
            Some(seconds) => (
                self.status,
                [(header::RETRY_AFTER, seconds.to_string())],
                body,
            )
                .into_response(),
            None => (self.status, body).into_response(),
        }
    }
}

type ApiResult = Result<Response, ApiError>;

/// The `/v1` routes (nested by `server::app`).
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/signup", post(signup))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/me", get(me))
        .route("/sessions", get(sessions))
        .route("/sessions/{session}", delete(revoke_session))
        .route("/boards", get(my_boards))
        .route("/boards/{board}", put(publish))
        .route("/boards/{board}/members", get(members).put(add_member))
        .route(
            "/boards/{board}/members/{user}",
            put(set_role).delete(remove_member),
        )
        .route("/boards/{board}/leave", post(leave))
        .route("/boards/{board}/invites", post(create_invite))
        .route("/invites/accept", post(accept_invite))
        .fallback(|| async {
            ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
        })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this endpoint does not take that method",
            )
        })
}

fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))
}

/// The session behind `Authorization: Bearer <token>`.
async fn session(shared: &Shared, headers: &HeaderMap) -> Result<SessionUser, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(ApiError::unauthorized)?;
    let digest = token_digest(token).ok_or_else(ApiError::unauthorized)?;
    shared
        .storage
        .session_user(&digest)
        .await?
        .ok_or_else(ApiError::unauthorized)
}

fn normalise_email(email: &str) -> Result<String, ApiError> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
        && !email.chars().any(char::is_whitespace);
    if !valid {
        return Err(ApiError::bad_request("email: not an email address"));
    }
    Ok(email)
}

fn check_board_id(board: &str) -> Result<(), ApiError> {
    let valid = !board.is_empty()
        && board.len() <= 128
        && board
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if !valid {
        return Err(ApiError::bad_request(
            "board id: 1 to 128 characters of A-Z a-z 0-9 - _ .",
        ));
    }
    Ok(())
}

async fn hash_password(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0_u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|_| ())?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|_| ())
    })
    .await
    .ok()
    .and_then(Result::ok)
    .ok_or_else(|| {
        tracing::error!("hashing a password failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
        )
    })
}

async fn password_matches(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored).is_ok_and(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

#[derive(Deserialize)]
struct Credentials {
    email: String,
    password: String,
}

async fn start_session(
    shared: &Shared,
    user_id: String,
    email: String,
    status: StatusCode,
) -> ApiResult {
    let (token, digest) = new_token();
    let lifetime = shared.config.accounts.session_lifetime;
    let session_id = shared
        .storage
        .create_session(&user_id, &digest, lifetime)
        .await?;
    tracing::info!(user = %user_id, session = %session_id, "session started");
    let body = json!({
        "user_id": user_id,
        "email": email,
        "session_id": session_id,
        "token": token,
        "expires_in": lifetime.as_secs(),
    });
    Ok((status, Json(body)).into_response())
}

async fn signup(State(shared): State<Arc<Shared>>, body: Bytes) -> ApiResult {
    let credentials: Credentials = parse(&body)?;
    let email = normalise_email(&credentials.email)?;
    if !(8..=1024).contains(&credentials.password.chars().count()) {
        return Err(ApiError::bad_request(
            "password: 8 to 1024 characters, please",
        ));
    }
    let hash = hash_password(credentials.password).await?;
    let user_id = shared.storage.create_user(&email, &hash).await?;
    tracing::info!(user = %user_id, "account created");
    start_session(&shared, user_id, email, StatusCode::CREATED).await
}

async fn login(State(shared): State<Arc<Shared>>, body: Bytes) -> ApiResult {
    let credentials: Credentials = parse(&body)?;
    let email = normalise_email(&credentials.email)?;
    let config = &shared.config.accounts;
    if let Some(seconds) = shared.login_throttle.locked(&email, config) {
        shared.metrics.reject("login_throttled");
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "too many failed logins for this account; wait and try again",
        );
        error.retry_after = Some(seconds);
        return Err(error);
    }
    let user = shared.storage.user_by_email(&email).await?;
    // Unknown emails cost a hash too, so timing does not reveal which accounts exist.
    let (user_id, stored) = match user {
        Some(user) => user,
        None => (String::new(), DUMMY_HASH.to_owned()),
    };
    if !password_matches(credentials.password, stored).await || user_id.is_empty() {
        shared.login_throttle.failed(&email, config);
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "wrong email or password",
        ));
    }
    shared.login_throttle.succeeded(&email);
    start_session(&shared, user_id, email, StatusCode::OK).await
}

/// An argon2id hash of a random password, checked against when the email is unknown.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Jj2IhgNV+Yb2cqqtJVyl0zY0u3vH6Ju0GUcuF4VX2rg";

async fn logout(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> ApiResult {
    let user = session(&shared, &headers).await?;
    shared
        .storage
        .revoke_session(&user.user_id, &user.session_id)
        .await?;
    tracing::info!(user = %user.user_id, session = %user.session_id, "logged out");
    shared.sessions_changed(&user.user_id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn me(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> ApiResult {
    let user = session(&shared, &headers).await?;
    Ok(Json(json!({
        "user_id": user.user_id,
        "email": user.email,
        "session_id": user.session_id,
    }))
    .into_response())
}

async fn sessions(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> ApiResult {
    let user = session(&shared, &headers).await?;
    let sessions = shared.storage.sessions_of(&user.user_id).await?;
    let sessions: Vec<_> = sessions
        .into_iter()
        .map(|s| {
            json!({
                "id": s.id,
                "created_at": s.created_at,
                "expires_at": s.expires_at,
                "current": s.id == user.session_id,
            })
        })
        .collect();
    Ok(Json(json!({ "sessions": sessions })).into_response())
}

async fn revoke_session(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(session_id): Path<String>,
) -> ApiResult {
    let user = session(&shared, &headers).await?;
    shared
        .storage
        .revoke_session(&user.user_id, &session_id)
        .await?;
    tracing::info!(user = %user.user_id, session = %session_id, "session revoked");
    shared.sessions_changed(&user.user_id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn my_boards(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> ApiResult {
    let user = session(&shared, &headers).await?;
    let boards = shared.storage.boards_of(&user.user_id).await?;
    Ok(Json(json!({ "boards": boards })).into_response())
}

async fn publish(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(board): Path<String>,
) -> ApiResult {
    let user = session(&shared, &headers).await?;
    check_board_id(&board)?;
    let role = shared.storage.publish_board(&user.user_id, &board).await?;
    tracing::info!(user = %user.user_id, %board, "board published");
    Ok(Json(json!({"board_id": board, "role": role})).into_response())
}

async fn members(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(board): Path<String>,
) -> ApiResult {
    let user = session(&shared, &headers).await?;
    let members = shared.storage.members(&user.user_id, &board).await?;
    Ok(Json(json!({ "members": members })).into_response())
}

#[derive(Deserialize)]
struct NewMember {
    email: String,
    role: Role,
}

async fn add_member(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(board): Path<String>,
    body: Bytes,
) -> ApiResult {
    let user = session(&shared, &headers).await?;
    let request: NewMember = parse(&body)?;
    let email = normalise_email(&request.email)?;
    let member = shared
        .storage
        .put_member(&user.user_id, &board, &email, request.role)
        .await?;
    shared.membership_changed(&board, &member.user_id);
    tracing::info!(user = %user.user_id, %board, member = %member.user_id, role = request.role.as_str(), "member set");
    Ok(Json(member).into_response())
}

#[derive(Deserialize)]
struct RoleChange {
    role: Role,
}

async fn set_role(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((board, member)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let user = session(&shared, &headers).await?;
    let request: RoleChange = parse(&body)?;
    // Only existing members' roles change here (adding goes by email).
    let current = shared.storage.members(&user.user_id, &board).await?;
    if !current.iter().any(|m| m.user_id == member) {
        return Err(AccountError::NotFound.into());
    }
    shared
        .storage
        .change_membership(&user.user_id, &board, &member, Some(request.role))
        .await?;
    shared.membership_changed(&board, &member);
    tracing::info!(user = %user.user_id, %board, %member, role = request.role.as_str(), "role changed");
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn remove_member(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((board, member)): Path<(String, String)>,
) -> ApiResult {
    let user = session(&shared, &headers).await?;
    shared
        .storage
        .change_membership(&user.user_id, &board, &member, None)
        .await?;
    shared.membership_changed(&board, &member);
    tracing::info!(user = %user.user_id, %board, %member, "member removed");
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn leave(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(board): Path<String>,
) -> ApiResult {
    let user = session(&shared, &headers).await?;
    shared
        .storage
        .change_membership(&user.user_id, &board, &user.user_id, None)
        .await?;
    shared.membership_changed(&board, &user.user_id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
struct NewInvite {
    role: Role,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    max_uses: Option<i64>,
}

async fn create_invite(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(board): Path<String>,
    body: Bytes,
) -> ApiResult {
    let user = session(&shared, &headers).await?;
    let request: NewInvite = parse(&body)?;
    let limit = shared.config.accounts.max_invite_lifetime;
    let lifetime = request
        .expires_in
        .map_or(Duration::from_secs(7 * 24 * 3600), Duration::from_secs)
        .min(limit);
    let max_uses = request.max_uses.unwrap_or(1);
    if !(1..=10_000).contains(&max_uses) {
        return Err(ApiError::bad_request("max_uses: 1 to 10000"));
    }
    if request.role == Role::Owner {
        return Err(ApiError::bad_request(
            "role: invites grant editor or viewer",
        ));
    }
    let (token, expires_at) = shared
        .storage
        .create_invite(&user.user_id, &board, request.role, lifetime, max_uses)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"token": token, "board_id": board, "role": request.role, "expires_at": expires_at, "max_uses": max_uses})),
    )
        .into_response())
}

#[derive(Deserialize)]
struct Accept {
    token: String,
}

async fn accept_invite(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let user = session(&shared, &headers).await?;
    let request: Accept = parse(&body)?;
    let joined = shared
        .storage
        .accept_invite(&user.user_id, &request.token)
        .await?;
    shared.membership_changed(&joined.board_id, &user.user_id);
    tracing::info!(user = %user.user_id, board = %joined.board_id, "invite accepted");
    Ok(Json(joined).into_response())
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::DOCUMENT,
    )
        .into_response()
}
