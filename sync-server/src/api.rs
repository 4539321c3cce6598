//! The JSON API under `/v1`: sign up, log in and out, sessions, `me`; publishing boards,
//! members and roles, invite links. Request and response bodies are `tack-api`'s types, shared
//! with the clients. Errors are `{"error": code, "message": text}` ([`ErrorBody`]) with the
//! matching status; internal errors are logged and answered with a generic text.
//!
//! Every string a request carries (JSON fields, path segments) is checked here, before it
//! reaches a database: a NUL byte or a control character is refused with 400 naming the field,
//! never passed on (PostgreSQL rejects NUL in text, SQLite would store it).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, RawQuery, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Extension, Json, Router};
use rand::RngCore as _;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tack_api::{
    AcceptInvite, BoardList, Credentials, ErrorBody, ErrorCode, Invite, Me, MemberList, MyBoard,
    NewInvite, NewMember, NewReadMarks, ReadMarkEntry, ReadMarks, ReadMarksStored, RoleChange,
    SessionList, SessionStarted, TaskChangeEntry, TaskHistory, MAX_READ_MARKS_PER_REQUEST,
    MAX_READ_MARK_KEY_BYTES,
};
use tokio::time::Instant;

use crate::accounts::{is_board_id, new_token, token_digest, AccountError, Role, SessionUser};
use crate::admission::{AddressBuckets, Admission, Busy};
use crate::metrics::Metrics;
use crate::server::{MembershipChange, RelayState};
use crate::storage::Storage;
use axum::extract::FromRef;
use tokio::sync::broadcast;

/// Settings of the account API.
#[derive(Debug, Clone)]
pub struct AccountsConfig {
    /// How long a session token stays valid.
    pub session_lifetime: Duration,
    /// Login attempts per email evaluated within `login_window` (a success clears the count);
    /// further attempts get 429 until the window ends (see `LoginThrottle`).
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

/// What the `/v1` routes need (axum's `FromRef` takes it from the relay's state): storage,
/// the account settings, the bounds on request bodies and password hashing, the login
/// throttle, the metrics, and where membership changes are announced to this relay's
/// connections.
#[derive(Clone)]
pub struct ApiState {
    storage: Storage,
    accounts: AccountsConfig,
    body: BodyLimits,
    admission: Arc<Admission>,
    login_throttle: Arc<LoginThrottle>,
    metrics: Arc<Metrics>,
    membership: broadcast::Sender<MembershipChange>,
    blobs: Option<Arc<crate::blobs::Blobs>>,
}

/// A `/v1` request body's bounds: its largest size, and the time it has to arrive.
#[derive(Debug, Clone, Copy)]
struct BodyLimits {
    max_bytes: usize,
    timeout: Duration,
}

impl FromRef<Arc<RelayState>> for ApiState {
    fn from_ref(state: &Arc<RelayState>) -> Self {
        Self {
            storage: state.storage.clone(),
            accounts: state.config.accounts.clone(),
            body: BodyLimits {
                max_bytes: state.config.admission.max_request_body_bytes,
                timeout: state.config.admission.request_body_timeout,
            },
            admission: Arc::clone(&state.admission),
            login_throttle: Arc::clone(&state.login_throttle),
            metrics: Arc::clone(&state.metrics),
            membership: state.membership.clone(),
            blobs: state.blobs.clone(),
        }
    }
}

impl ApiState {
    /// Tells this relay's connections that `user`'s sessions changed (logout, a revoked
    /// session): their channels check their tokens again. Other relays hear it from the
    /// `sessions` trigger's NOTIFY.
    fn sessions_changed(&self, user: &str) {
        self.membership_changed(MembershipChange::EVERY_BOARD, user);
    }

    /// Tells this relay's connections that `user`'s role on `board` changed (other relays
    /// hear it from the `board_members` trigger's NOTIFY).
    fn membership_changed(&self, board: &str, user: &str) {
        let _ = self.membership.send(MembershipChange {
            board: board.to_owned(),
            user: user.to_owned(),
        });
    }
}

/// Login attempts per email not yet cleared by a success, forgotten after the window
/// (bounded: expired entries are dropped when it grows large).
///
/// The rule: within `login_window` of an email's first uncleared attempt, at most
/// `login_failures` attempts are evaluated; later ones, the right password included, get 429
/// until the window ends. An attempt is counted when it starts, before its password is hashed,
/// under the same lock as the check, so parallel attempts cannot all pass the check; a
/// success clears the count.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    attempts: Mutex<HashMap<String, (u32, Instant)>>,
}

const THROTTLE_MAX_ENTRIES: usize = 100_000;

impl LoginThrottle {
    /// Counts an attempt for `email`, or `Err(seconds to wait)` when it is locked out now.
    fn begin(&self, email: &str, config: &AccountsConfig) -> Result<(), u64> {
        let mut attempts = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        if attempts.len() >= THROTTLE_MAX_ENTRIES && !attempts.contains_key(email) {
            attempts.retain(|_, (_, since)| since.elapsed() < config.login_window);
        }
        let entry = attempts
            .entry(email.to_owned())
            .or_insert((0, Instant::now()));
        let elapsed = entry.1.elapsed();
        if elapsed >= config.login_window {
            *entry = (0, Instant::now());
        } else if entry.0 >= config.login_failures {
            return Err((config.login_window - elapsed).as_secs().max(1));
        }
        entry.0 += 1;
        Ok(())
    }

    /// Takes back an attempt that was never evaluated (the hashing pool was busy).
    fn not_evaluated(&self, email: &str) {
        let mut attempts = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = attempts.get_mut(email) {
            entry.0 = entry.0.saturating_sub(1);
        }
    }

    fn succeeded(&self, email: &str) {
        let mut attempts = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        attempts.remove(email);
    }
}

/// An error answer: status, stable machine-readable code, human text. Never internals.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: ErrorCode,
    message: String,
    retry_after: Option<u64>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, message)
    }

    /// 429 with `Retry-After`: this client (address or account) is over a limit.
    pub fn too_many(code: ErrorCode, message: impl Into<String>, retry_after: u64) -> Self {
        let mut error = Self::new(StatusCode::TOO_MANY_REQUESTS, code, message);
        error.retry_after = Some(retry_after);
        error
    }

    /// 503 with `Retry-After`: every password-hashing permit is taken and the queue is full.
    fn busy(busy: Busy) -> Self {
        let mut error = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Busy,
            "the server is checking too many passwords now; try again shortly",
        );
        error.retry_after = Some(busy.retry_after_secs);
        error
    }

    fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "a valid session token is required (Authorization: Bearer <token>)",
        )
    }
}

impl From<AccountError> for ApiError {
    fn from(error: AccountError) -> Self {
        match error {
            AccountError::EmailTaken => Self::new(
                StatusCode::CONFLICT,
                ErrorCode::EmailTaken,
                error.to_string(),
            ),
            AccountError::NotFound => {
                Self::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "not found")
            }
            AccountError::Forbidden => Self::new(
                StatusCode::FORBIDDEN,
                ErrorCode::Forbidden,
                "your role on this board does not allow this",
            ),
            AccountError::BoardTaken => Self::new(
                StatusCode::CONFLICT,
                ErrorCode::BoardTaken,
                error.to_string(),
            ),
            AccountError::LastOwner => Self::new(
                StatusCode::CONFLICT,
                ErrorCode::LastOwner,
                error.to_string(),
            ),
            AccountError::Storage(error) => {
                tracing::error!(%error, "account storage failed");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    ErrorCode::Unavailable,
                    "the server cannot complete this now; try again",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(ErrorBody {
            error: self.code,
            message: self.message,
        });
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

/// A success answer: `body` as JSON with `status`.
fn answer(status: StatusCode, body: impl Serialize) -> ApiResult {
    Ok((status, Json(body)).into_response())
}

/// Declares every endpoint once: the router is built from this list, and [`ENDPOINTS`] names
/// the same endpoints for the tests that hold `openapi.json` to them.
macro_rules! endpoints {
    ($($method:ident $path:literal => $handler:ident,)*) => {
        /// `(method, path under /v1)` of every endpoint the router serves, the method in lower
        /// case as OpenAPI spells it.
        pub const ENDPOINTS: &[(&str, &str)] = &[$((stringify!($method), $path)),*];

        fn endpoint_routes() -> Router<ApiState> {
            Router::new()$(.route($path, $method($handler)))*
        }
    };
}

endpoints! {
    get "/openapi.json" => openapi,
    post "/signup" => signup,
    post "/login" => login,
    post "/logout" => logout,
    get "/me" => me,
    get "/me/read-marks" => read_marks,
    put "/me/read-marks" => put_read_marks,
    get "/sessions" => sessions,
    delete "/sessions/{session}" => revoke_session,
    get "/boards" => my_boards,
    put "/boards/{board}" => publish,
    delete "/boards/{board}" => delete_board,
    get "/boards/{board}/members" => members,
    put "/boards/{board}/members" => add_member,
    put "/boards/{board}/members/{user}" => set_role,
    delete "/boards/{board}/members/{user}" => remove_member,
    post "/boards/{board}/leave" => leave,
    post "/boards/{board}/invites" => create_invite,
    get "/boards/{board}/tasks/{task}/history" => task_history,
    post "/invites/accept" => accept_invite,
}

/// The `/v1` routes (nested by `server::app`).
pub fn routes() -> Router<ApiState> {
    endpoint_routes()
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                ErrorCode::NotFound,
                "no such endpoint",
            )
        })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                ErrorCode::MethodNotAllowed,
                "this endpoint does not take that method",
            )
        })
}

/// Reads a `/v1` request's body whole before its handler runs: at most
/// `max_request_body_bytes` (413), within `request_body_timeout` (408), so a client dripping
/// a body cannot hold a request open.
pub async fn read_body_in_time(
    State(api): State<ApiState>,
    request: Request,
    next: Next,
) -> Response {
    let limits = api.body;
    let max = limits.max_bytes;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooLarge,
            format!("request body: at most {max} bytes"),
        )
        .into_response()
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > max as u64) {
        return too_large();
    }
    let (parts, body) = request.into_parts();
    let read = tokio::time::timeout(limits.timeout, axum::body::to_bytes(body, max)).await;
    match read {
        Ok(Ok(bytes)) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Ok(Err(_)) => too_large(),
        Err(_) => {
            api.metrics.reject("request_body_timeout");
            ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                ErrorCode::RequestTimeout,
                "the request body did not arrive in time",
            )
            .into_response()
        }
    }
}

fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))
}

/// The session behind `Authorization: Bearer <token>`.
async fn session(api: &ApiState, headers: &HeaderMap) -> Result<SessionUser, ApiError> {
    session_of(&api.storage, headers).await
}

/// The session behind `Authorization: Bearer <token>` (401 without a live one).
pub(crate) async fn session_of(
    storage: &Storage,
    headers: &HeaderMap,
) -> Result<SessionUser, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(ApiError::unauthorized)?;
    let digest = token_digest(token).ok_or_else(ApiError::unauthorized)?;
    storage
        .session_user(&digest)
        .await?
        .ok_or_else(ApiError::unauthorized)
}

/// Refuses text with a control character (NUL included) or more than `max_chars`
/// characters, naming `field`.
fn check_text(field: &str, value: &str, max_chars: usize) -> Result<(), ApiError> {
    if value.chars().any(char::is_control) {
        return Err(ApiError::bad_request(format!(
            "{field}: must not contain control characters"
        )));
    }
    if value.chars().count() > max_chars {
        return Err(ApiError::bad_request(format!(
            "{field}: at most {max_chars} characters"
        )));
    }
    Ok(())
}

/// Refuses a path segment that cannot be an id the relay made (users, sessions: UUIDs).
fn check_id(field: &str, value: &str) -> Result<(), ApiError> {
    match uuid::Uuid::try_parse(value) {
        Ok(_) => Ok(()),
        Err(_) => Err(ApiError::bad_request(format!("{field}: not a valid id"))),
    }
}

fn check_password(password: &str) -> Result<(), ApiError> {
    check_text("password", password, MAX_PASSWORD_CHARS)
}

const MAX_PASSWORD_CHARS: usize = 1024;

fn normalise_email(email: &str) -> Result<String, ApiError> {
    check_text("email", email, 254)?;
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

pub(crate) fn check_board_id(board: &str) -> Result<(), ApiError> {
    if !is_board_id(board) {
        return Err(ApiError::bad_request(
            "board id: 1 to 128 characters of A-Z a-z 0-9 - _ .",
        ));
    }
    Ok(())
}

/// Hashes a new password in the bounded hashing pool (argon2id's default: 19 MiB, 2 passes).
async fn hash_password(api: &ApiState, password: String) -> Result<String, ApiError> {
    let hashed = api
        .admission
        .hashing
        .run(move |memory| new_hash(memory, password.as_bytes()).ok_or(()))
        .await;
    let hashed = match hashed {
        Ok(hashed) => hashed,
        Err(busy) => {
            api.metrics.reject("hashing_busy");
            return Err(ApiError::busy(busy));
        }
    };
    hashed.map_err(|()| {
        tracing::error!("hashing a password failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "internal error",
        )
    })
}

/// Checks a password against its stored hash in the bounded hashing pool.
async fn password_matches(api: &ApiState, password: String, stored: String) -> Result<bool, Busy> {
    api.admission
        .hashing
        .run(move |memory| hash_matches(memory, password.as_bytes(), &stored))
        .await
}

/// Largest argon2 memory a stored hash may ask for (blocks of 1 KiB): ours use 19 MiB.
const MAX_HASH_BLOCKS: usize = 64 * 1024;

/// `memory` with at least `blocks` blocks (grown once per hashing thread, then reused).
fn blocks(memory: &mut Vec<Block>, blocks: usize) -> Option<&mut [Block]> {
    if blocks > MAX_HASH_BLOCKS {
        return None;
    }
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    memory.get_mut(..blocks)
}

/// The PHC string of a new argon2id hash (default parameters, a random salt), computed in
/// `memory`: what `Argon2::default().hash_password` makes, without allocating its memory.
fn new_hash(memory: &mut Vec<Block>, password: &[u8]) -> Option<String> {
    let mut salt = [0_u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt_text = SaltString::encode_b64(&salt).ok()?;
    let params = Params::default();
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut output = [0_u8; Params::DEFAULT_OUTPUT_LEN];
    let memory = blocks(memory, params.block_count())?;
    argon2
        .hash_password_into_with_memory(password, &salt, &mut output, memory)
        .ok()?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).ok()?,
        salt: Some(salt_text.as_salt()),
        hash: Some(Output::new(&output).ok()?),
    };
    Some(hash.to_string())
}

/// Whether `password` matches the stored PHC string, computed in `memory` (as argon2's
/// `verify_password`, whose output comparison is constant-time).
fn hash_matches(memory: &mut Vec<Block>, password: &[u8], stored: &str) -> bool {
    let mut check = || -> Option<bool> {
        let hash = PasswordHash::new(stored).ok()?;
        let (salt, expected) = (hash.salt?, hash.hash?);
        let algorithm = Algorithm::try_from(hash.algorithm).ok()?;
        let version = match hash.version {
            Some(version) => Version::try_from(version).ok()?,
            None => Version::default(),
        };
        let params = Params::try_from(&hash).ok()?;
        let mut salt_bytes = [0_u8; 64];
        let salt = salt.decode_b64(&mut salt_bytes).ok()?;
        let mut output = vec![0_u8; expected.len()];
        let memory = blocks(memory, params.block_count())?;
        Argon2::new(algorithm, version, params)
            .hash_password_into_with_memory(password, salt, &mut output, memory)
            .ok()?;
        Some(Output::new(&output).ok()? == expected)
    };
    check().unwrap_or(false)
}

/// Takes one attempt from the client address's bucket (`buckets`: logins or signups); 429
/// when it is empty. Without a known address (a router served without `ConnectInfo`), none.
fn take_from_address(
    api: &ApiState,
    buckets: &AddressBuckets,
    peer: Option<&Extension<ConnectInfo<SocketAddr>>>,
) -> Result<(), ApiError> {
    let Some(Extension(ConnectInfo(peer))) = peer else {
        return Ok(());
    };
    buckets.take(peer.ip()).map_err(|seconds| {
        api.metrics.reject("address_rate");
        ApiError::too_many(
            ErrorCode::TooManyRequests,
            "too many attempts from this address; wait and try again",
            seconds,
        )
    })
}

async fn start_session(
    api: &ApiState,
    user_id: String,
    email: String,
    status: StatusCode,
) -> ApiResult {
    let (token, digest) = new_token();
    let lifetime = api.accounts.session_lifetime;
    let session_id = api
        .storage
        .create_session(&user_id, &digest, lifetime)
        .await?;
    tracing::info!(user = %user_id, session = %session_id, "session started");
    answer(
        status,
        SessionStarted {
            email,
            expires_in: lifetime.as_secs(),
            session_id,
            token,
            user_id,
        },
    )
}

async fn signup(
    State(api): State<ApiState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    body: Bytes,
) -> ApiResult {
    let credentials: Credentials = parse(&body)?;
    let email = normalise_email(&credentials.email)?;
    check_password(&credentials.password)?;
    if credentials.password.chars().count() < 8 {
        return Err(ApiError::bad_request(
            "password: 8 to 1024 characters, please",
        ));
    }
    take_from_address(&api, &api.admission.signups, peer.as_ref())?;
    let hash = hash_password(&api, credentials.password).await?;
    let user_id = api.storage.create_user(&email, &hash).await?;
    tracing::info!(user = %user_id, "account created");
    start_session(&api, user_id, email, StatusCode::CREATED).await
}

async fn login(
    State(api): State<ApiState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    body: Bytes,
) -> ApiResult {
    let credentials: Credentials = parse(&body)?;
    let email = normalise_email(&credentials.email)?;
    check_password(&credentials.password)?;
    take_from_address(&api, &api.admission.logins, peer.as_ref())?;
    let config = &api.accounts;
    if let Err(seconds) = api.login_throttle.begin(&email, config) {
        api.metrics.reject("login_throttled");
        return Err(ApiError::too_many(
            ErrorCode::TooManyAttempts,
            "too many failed logins for this account; wait and try again",
            seconds,
        ));
    }
    let user = match api.storage.user_by_email(&email).await {
        Ok(user) => user,
        Err(error) => {
            api.login_throttle.not_evaluated(&email);
            return Err(error.into());
        }
    };
    // Unknown emails cost a hash too, so timing does not reveal which accounts exist.
    let (user_id, stored) = match user {
        Some(user) => user,
        None => (String::new(), DUMMY_HASH.to_owned()),
    };
    let matches = match password_matches(&api, credentials.password, stored).await {
        Ok(matches) => matches,
        Err(busy) => {
            api.login_throttle.not_evaluated(&email);
            api.metrics.reject("hashing_busy");
            return Err(ApiError::busy(busy));
        }
    };
    if !matches || user_id.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::InvalidCredentials,
            "wrong email or password",
        ));
    }
    api.login_throttle.succeeded(&email);
    start_session(&api, user_id, email, StatusCode::OK).await
}

/// An argon2id hash of a random password, checked against when the email is unknown.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Jj2IhgNV+Yb2cqqtJVyl0zY0u3vH6Ju0GUcuF4VX2rg";

async fn logout(State(api): State<ApiState>, headers: HeaderMap) -> ApiResult {
    let user = session(&api, &headers).await?;
    api.storage
        .revoke_session(&user.user_id, &user.session_id)
        .await?;
    tracing::info!(user = %user.user_id, session = %user.session_id, "logged out");
    api.sessions_changed(&user.user_id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn me(State(api): State<ApiState>, headers: HeaderMap) -> ApiResult {
    let user = session(&api, &headers).await?;
    answer(
        StatusCode::OK,
        Me {
            email: user.email,
            session_id: user.session_id,
            user_id: user.user_id,
        },
    )
}

/// My read marks stored after `after` (DESIGN §4 "Read marks"), oldest first.
async fn read_marks(
    State(api): State<ApiState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let after = read_marks_query(query.as_deref())?;
    let user = session(&api, &headers).await?;
    let page = crate::read_marks::marks_after(&api.storage, &user.user_id, after)
        .await
        .map_err(AccountError::Storage)?;
    answer(
        StatusCode::OK,
        ReadMarks {
            marks: page.marks,
            more: page.more,
            seq: page.seq,
        },
    )
}

/// The query of `GET /v1/me/read-marks`: `after=<seq>` (default 0), nothing else.
fn read_marks_query(query: Option<&str>) -> Result<i64, ApiError> {
    let mut after = 0;
    for (key, value) in query_pairs(query) {
        match key {
            "after" => {
                after = value
                    .parse::<i64>()
                    .ok()
                    .filter(|seq| *seq >= 0)
                    .ok_or_else(|| {
                        ApiError::bad_request("after: expected the seq of the previous answer")
                    })?;
            }
            _ => return Err(ApiError::bad_request("query: only after is known")),
        }
    }
    Ok(after)
}

/// A request's query as `(key, value)` pairs, in order (a key without `=`: an empty value).
fn query_pairs(query: Option<&str>) -> impl Iterator<Item = (&str, &str)> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
}

/// Stores read marks one of my devices changed: each replaces the relay's when it is newer.
/// At most [`MAX_READ_MARKS_PER_REQUEST`] marks, each key 1 to
/// [`MAX_READ_MARK_KEY_BYTES`] bytes of text, each time between 0 and a day from now; a key
/// given twice counts once, with its latest change.
async fn put_read_marks(State(api): State<ApiState>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let user = session(&api, &headers).await?;
    let request: NewReadMarks = parse(&body)?;
    if request.marks.len() > MAX_READ_MARKS_PER_REQUEST {
        return Err(ApiError::bad_request(format!(
            "marks: at most {MAX_READ_MARKS_PER_REQUEST} per request"
        )));
    }
    let latest = crate::history::now_ms().saturating_add(86_400_000);
    let mut marks: HashMap<&str, &ReadMarkEntry> = HashMap::new();
    for mark in &request.marks {
        if mark.key.is_empty() || mark.key.len() > MAX_READ_MARK_KEY_BYTES {
            return Err(ApiError::bad_request(format!(
                "key: 1 to {MAX_READ_MARK_KEY_BYTES} bytes"
            )));
        }
        check_text("key", &mark.key, MAX_READ_MARK_KEY_BYTES)?;
        if !(0..=latest).contains(&mark.changed_at_ms) {
            return Err(ApiError::bad_request(
                "changed_at_ms: milliseconds since the epoch, at most a day from now",
            ));
        }
        let kept = marks.entry(mark.key.as_str()).or_insert(mark);
        if kept.changed_at_ms < mark.changed_at_ms {
            *kept = mark;
        }
    }
    let mut unique: Vec<ReadMarkEntry> = marks.into_values().cloned().collect();
    // One order for every writer, so two requests lock the same rows in the same order.
    unique.sort_by(|a, b| a.key.cmp(&b.key));
    let changed = crate::read_marks::store_marks(&api.storage, &user.user_id, &unique)
        .await
        .map_err(AccountError::Storage)?;
    answer(
        StatusCode::OK,
        ReadMarksStored {
            changed: u32::try_from(changed).unwrap_or(u32::MAX),
        },
    )
}

async fn sessions(State(api): State<ApiState>, headers: HeaderMap) -> ApiResult {
    let user = session(&api, &headers).await?;
    let sessions = api
        .storage
        .sessions_of(&user.user_id, &user.session_id)
        .await?;
    answer(StatusCode::OK, SessionList { sessions })
}

async fn revoke_session(
    State(api): State<ApiState>,
    headers: HeaderMap,
    Path(session_id): Path<String>,
) -> ApiResult {
    check_id("session id", &session_id)?;
    let user = session(&api, &headers).await?;
    api.storage
        .revoke_session(&user.user_id, &session_id)
        .await?;
    tracing::info!(user = %user.user_id, session = %session_id, "session revoked");
    api.sessions_changed(&user.user_id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn my_boards(State(api): State<ApiState>, headers: HeaderMap) -> ApiResult {
    let user = session(&api, &headers).await?;
    let boards = api.storage.boards_of(&user.user_id).await?;
    answer(StatusCode::OK, BoardList { boards })
}

async fn publish(
    State(api): State<ApiState>,
    headers: HeaderMap,
    Path(board): Path<String>,
) -> ApiResult {
    check_board_id(&board)?;
    let user = session(&api, &headers).await?;
    let role = api.storage.publish_board(&user.user_id, &board).await?;
    tracing::info!(user = %user.user_id, %board, "board published");
    answer(
        StatusCode::OK,
        MyBoard {
            board_id: board,
            role,
        },
    )
}

/// Deletes a board (owners only) and everything the relay holds for it: its document,
/// members, invites and history, and its attachments' records and bytes on the blob store.
/// Every member's connections hear that their role is gone and close the board.
async fn delete_board(
    State(api): State<ApiState>,
    headers: HeaderMap,
    Path(board): Path<String>,
) -> ApiResult {
    check_board_id(&board)?;
    let user = session(&api, &headers).await?;
    let members = api.storage.delete_board(&user.user_id, &board).await?;
    for member in &members {
        api.membership_changed(&board, member);
    }
    if let Some(blobs) = &api.blobs {
        // The records went with the board; the bytes are not in its transaction. A failure
        // here leaves bytes nothing names (logged); the board is deleted either way.
        if let Err(error) = blobs.remove_board(&board).await {
            tracing::warn!(%error, %board, "a deleted board's attachment bytes were left behind");
        }
    }
    tracing::info!(user = %user.user_id, %board, "board deleted");
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn members(
    State(api): State<ApiState>,
    headers: HeaderMap,
    Path(board): Path<String>,
) -> ApiResult {
    check_board_id(&board)?;
    let user = session(&api, &headers).await?;
    let members = api.storage.members(&user.user_id, &board).await?;
    answer(StatusCode::OK, MemberList { members })
}

async fn add_member(
    State(api): State<ApiState>,
    headers: HeaderMap,
    Path(board): Path<String>,
    body: Bytes,
) -> ApiResult {
    check_board_id(&board)?;
    let user = session(&api, &headers).await?;
    let request: NewMember = parse(&body)?;
    let email = normalise_email(&request.email)?;
    let member = api
        .storage
        .put_member(&user.user_id, &board, &email, request.role)
        .await?;
    api.membership_changed(&board, &member.user_id);
    tracing::info!(user = %user.user_id, %board, member = %member.user_id, role = request.role.as_str(), "member set");
    answer(StatusCode::OK, member)
}

async fn set_role(
    State(api): State<ApiState>,
    headers: HeaderMap,
    Path((board, member)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    check_board_id(&board)?;
    check_id("user id", &member)?;
    let user = session(&api, &headers).await?;
    let request: RoleChange = parse(&body)?;
    // Only existing members' roles change here (adding goes by email).
    let current = api.storage.members(&user.user_id, &board).await?;
    if !current.iter().any(|m| m.user_id == member) {
        return Err(AccountError::NotFound.into());
    }
    api.storage
        .change_membership(&user.user_id, &board, &member, Some(request.role))
        .await?;
    api.membership_changed(&board, &member);
    tracing::info!(user = %user.user_id, %board, %member, role = request.role.as_str(), "role changed");
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn remove_member(
    State(api): State<ApiState>,
    headers: HeaderMap,
    Path((board, member)): Path<(String, String)>,
) -> ApiResult {
    check_board_id(&board)?;
    check_id("user id", &member)?;
    let user = session(&api, &headers).await?;
    api.storage
        .change_membership(&user.user_id, &board, &member, None)
        .await?;
    api.membership_changed(&board, &member);
    tracing::info!(user = %user.user_id, %board, %member, "member removed");
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn leave(
    State(api): State<ApiState>,
    headers: HeaderMap,
    Path(board): Path<String>,
) -> ApiResult {
    check_board_id(&board)?;
    let user = session(&api, &headers).await?;
    api.storage
        .change_membership(&user.user_id, &board, &user.user_id, None)
        .await?;
    api.membership_changed(&board, &user.user_id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn create_invite(
    State(api): State<ApiState>,
    headers: HeaderMap,
    Path(board): Path<String>,
    body: Bytes,
) -> ApiResult {
    check_board_id(&board)?;
    let user = session(&api, &headers).await?;
    let request: NewInvite = parse(&body)?;
    let limit = api.accounts.max_invite_lifetime;
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
    let (token, expires_at) = api
        .storage
        .create_invite(&user.user_id, &board, request.role, lifetime, max_uses)
        .await?;
    answer(
        StatusCode::CREATED,
        Invite {
            board_id: board,
            expires_at,
            max_uses,
            role: request.role,
            token,
        },
    )
}

async fn accept_invite(State(api): State<ApiState>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let user = session(&api, &headers).await?;
    let request: AcceptInvite = parse(&body)?;
    if token_digest(&request.token).is_none() {
        return Err(ApiError::bad_request("token: not an invite token"));
    }
    let joined = api
        .storage
        .accept_invite(&user.user_id, &request.token)
        .await?;
    api.membership_changed(&joined.board_id, &user.user_id);
    tracing::info!(user = %user.user_id, board = %joined.board_id, "invite accepted");
    answer(StatusCode::OK, joined)
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::DOCUMENT,
    )
        .into_response()
}

/// The query of `GET …/history`: `before=<seq>.<n>` (from `next_before`) and `limit=<1..=200>`
/// (default 50); anything else is a 400 naming the parameter.
fn history_query(query: Option<&str>) -> Result<(Option<(i64, i32)>, u32), ApiError> {
    let mut before = None;
    let mut limit = 50;
    for (key, value) in query_pairs(query) {
        match key {
            "before" => {
                let cursor = value
                    .split_once('.')
                    .and_then(|(seq, n)| Some((seq.parse::<i64>().ok()?, n.parse::<i32>().ok()?)))
                    .filter(|(seq, n)| *seq >= 0 && *n >= 0);
                before = Some(cursor.ok_or_else(|| {
                    ApiError::bad_request("before: expected <seq>.<n> from next_before")
                })?);
            }
            "limit" => {
                limit = value
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=crate::history::MAX_PAGE).contains(n))
                    .ok_or_else(|| ApiError::bad_request("limit: expected 1 to 200"))?;
            }
            _ => {
                return Err(ApiError::bad_request(
                    "query: only before and limit are known",
                ))
            }
        }
    }
    Ok((before, limit))
}

/// A page of a task's history, newest first (DESIGN "History"): members only; anyone else
/// gets the 404 an unknown board gets.
async fn task_history(
    State(api): State<ApiState>,
    headers: HeaderMap,
    Path((board, task)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    check_board_id(&board)?;
    check_id("task id", &task)?;
    let (before, limit) = history_query(query.as_deref())?;
    let user = session(&api, &headers).await?;
    let page =
        crate::history::task_history(&api.storage, &user.user_id, &board, &task, before, limit)
            .await
            .map_err(AccountError::Storage)?
            .ok_or(AccountError::NotFound)?;
    let next_before = (page.len() == limit as usize)
        .then(|| page.last().map(|last| format!("{}.{}", last.seq, last.n)))
        .flatten();
    let changes = page
        .into_iter()
        .map(|row| TaskChangeEntry {
            at_ms: row.at_ms,
            author_id: row.author_id,
            field: row.field,
            id: format!("{}.{}", row.seq, row.n),
            task_id: row.task_id,
            truncated: row.truncated,
            value: serde_json::from_str(&row.value).unwrap_or(serde_json::Value::Null),
        })
        .collect();
    answer(
        StatusCode::OK,
        TaskHistory {
            changes,
            next_before,
        },
    )
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};

    use super::*;

    #[test]
    fn hashes_made_in_reused_memory_are_argon2_s_own() {
        let mut memory = Vec::new();
        let Some(made) = new_hash(&mut memory, b"correct horse") else {
            panic!("hashing failed");
        };
        assert!(hash_matches(&mut memory, b"correct horse", &made));
        assert!(!hash_matches(&mut memory, b"correct horsf", &made));
        // argon2's own verifier accepts ours, and ours accepts argon2's own hashes.
        let parsed = PasswordHash::new(&made).map_err(|e| e.to_string());
        assert_eq!(
            parsed.and_then(|hash| {
                Argon2::default()
                    .verify_password(b"correct horse", &hash)
                    .map_err(|e| e.to_string())
            }),
            Ok(())
        );
        let salt = SaltString::encode_b64(b"0123456789abcdef").map_err(|e| e.to_string());
        let theirs = salt.and_then(|salt| {
            Argon2::default()
                .hash_password(b"battery staple", &salt)
                .map(|hash| hash.to_string())
                .map_err(|e| e.to_string())
        });
        let Ok(theirs) = theirs else {
            panic!("argon2 hashing failed: {theirs:?}");
        };
        assert!(hash_matches(&mut memory, b"battery staple", &theirs));
        assert!(!hash_matches(&mut memory, b"battery stapler", &theirs));
        assert!(!hash_matches(&mut memory, b"anything", DUMMY_HASH));
        assert!(!hash_matches(&mut memory, b"anything", "not a hash"));
        assert_eq!(memory.len(), Params::default().block_count());
    }
}
