//! `openapi.json` held to the relay it describes: every endpoint the router serves is
//! documented and every documented one is served, and every answer provoked here (each
//! endpoint's success and its main errors, on PostgreSQL) has a documented status and a body
//! valid against the documented schema (`jsonschema`, `$ref`s resolved within the document),
//! with `Retry-After` on a 429.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{json, Value};
use sync_server::api::ENDPOINTS;
use sync_server::config::ServerConfig;
use tack_api::ErrorCode;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::support::{http_raw, Backend, BackendKind, TestRelay, WAIT};

/// The methods an endpoint could take; OpenAPI spells them in lower case.
const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

fn document() -> Value {
    serde_json::from_str(sync_server::openapi::DOCUMENT).expect("openapi.json is JSON")
}

/// `text` as one JSON pointer token (`~` and `/` escaped).
fn pointer_token(text: &str) -> String {
    text.replace('~', "~0").replace('/', "~1")
}

/// `(method, path)` of every documented operation, paths as written (with `/v1`).
fn documented(document: &Value) -> BTreeSet<(String, String)> {
    let Some(paths) = document["paths"].as_object() else {
        panic!("openapi.json has no paths");
    };
    paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|method| item.get(**method).is_some())
                .map(|method| ((*method).to_owned(), path.clone()))
        })
        .collect()
}

/// The errors of `instance` against the schema at `pointer` in `document`, resolved in the
/// whole document (so its `#/components/...` references resolve as they do for a reader).
fn schema_errors(document: &Value, pointer: &str, instance: &Value) -> Vec<String> {
    let mut root = document.clone();
    // A JSON pointer in a URI fragment: the braces of path templates percent-encoded.
    let fragment = pointer
        .replace('%', "%25")
        .replace('{', "%7B")
        .replace('}', "%7D");
    root["$ref"] = json!(format!("#{fragment}"));
    let validator = jsonschema::draft202012::new(&root)
        .unwrap_or_else(|e| panic!("openapi.json at {pointer} is not a valid schema: {e}"));
    validator
        .iter_errors(instance)
        .map(|error| format!("{} (at {})", error, error.instance_path()))
        .collect()
}

/// What the relay answered.
struct Answer {
    status: u16,
    body: Value,
}

/// The relay under test and what was checked against the document.
struct Checked<'a> {
    relay: &'a TestRelay,
    document: Value,
    /// `(method, documented path, status)` of every answer checked.
    seen: BTreeSet<(String, String, u16)>,
}

impl<'a> Checked<'a> {
    fn new(relay: &'a TestRelay) -> Self {
        Self {
            relay,
            document: document(),
            seen: BTreeSet::new(),
        }
    }

    /// The JSON pointer of the body schema `method path` documents for `status` (`None`: no
    /// body); fails when the operation or the status is not documented.
    fn body_schema(&self, method: &str, path: &str, status: u16) -> Option<String> {
        let operation = format!("/paths/{}/{method}", pointer_token(path));
        assert!(
            self.document.pointer(&operation).is_some(),
            "{method} {path} is not documented"
        );
        let mut response = format!("{operation}/responses/{status}");
        let Some(mut value) = self.document.pointer(&response) else {
            panic!("{method} {path}: status {status} is not documented");
        };
        if let Some(target) = value.get("$ref").and_then(Value::as_str) {
            response = target.strip_prefix('#').expect("a local $ref").to_owned();
            value = self.document.pointer(&response).expect("the $ref resolves");
        }
        let schema = "/content/application~1json/schema";
        value.pointer(schema).map(|_| format!("{response}{schema}"))
    }

    /// Checks one answer of `method path` (the documented path) against the document.
    fn check(&mut self, method: &str, path: &str, status: u16, head: &str, body: &str) -> Value {
        let what = format!("{method} {path} → {status}");
        let body = match self.body_schema(method, path, status) {
            Some(pointer) => {
                assert!(
                    head.contains("content-type: application/json"),
                    "{what}: not JSON:\n{head}"
                );
                let body: Value = serde_json::from_str(body)
                    .unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {body}"));
                let errors = schema_errors(&self.document, &pointer, &body);
                assert!(
                    errors.is_empty(),
                    "{what}: {body} does not match {pointer}: {errors:#?}"
                );
                body
            }
            None => {
                assert!(body.is_empty(), "{what}: documented without a body: {body}");
                Value::Null
            }
        };
        if status == 429 {
            assert!(head.contains("\nretry-after: "), "{what}: no Retry-After");
        }
        self.seen
            .insert((method.to_owned(), path.to_owned(), status));
        body
    }

    /// Sends `method` to `url` (an instance of the documented `path`) and checks the answer.
    async fn call(
        &mut self,
        method: &str,
        path: &str,
        url: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let text = body.map(|b| b.to_string()).unwrap_or_default();
        let http_method = method.to_uppercase();
        let (status, head, answer) =
            http_raw(self.relay.addr, &http_method, url, token, &text).await;
        let body = self.check(method, path, status, &head, &answer);
        Answer { status, body }
    }

    /// [`Self::call`], expecting a success with `status`.
    async fn ok(
        &mut self,
        status: u16,
        (method, path, url): (&str, &str, &str),
        token: Option<&str>,
        body: Option<Value>,
    ) -> Value {
        let answer = self.call(method, path, url, token, body).await;
        assert_eq!(answer.status, status, "{method} {url}: {}", answer.body);
        answer.body
    }

    /// [`Self::call`], expecting the error `status` with `code`.
    async fn fails(
        &mut self,
        (status, code): (u16, ErrorCode),
        (method, path, url): (&str, &str, &str),
        token: Option<&str>,
        body: Option<Value>,
    ) {
        let answer = self.call(method, path, url, token, body).await;
        assert_eq!(
            (answer.status, answer.body["error"].as_str()),
            (status, Some(code.as_str())),
            "{method} {url}: {}",
            answer.body
        );
    }
}

fn text(value: &Value, field: &str) -> String {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {value}"))
        .to_owned()
}

#[test]
fn every_served_endpoint_is_documented_and_every_documented_one_is_served() {
    let served: BTreeSet<(String, String)> = ENDPOINTS
        .iter()
        .map(|(method, path)| ((*method).to_owned(), format!("/v1{path}")))
        .collect();
    assert_eq!(served, documented(&document()));
}

#[test]
fn the_documented_error_codes_are_the_ones_the_relay_sends() {
    let document = document();
    let documented: BTreeSet<&str> = document["components"]["schemas"]["Error"]["properties"]
        ["error"]["enum"]
        .as_array()
        .expect("an enum of codes")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let sent: BTreeSet<&str> = ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
    assert_eq!(documented, sent);
}

#[tokio::test]
async fn every_documented_endpoint_answers_as_documented() {
    let mut config = ServerConfig::default();
    // Short enough to provoke a 408 quickly (the other requests' bodies arrive at once), and
    // a 413 with a body the socket buffers hold whole.
    config.admission.request_body_timeout = Duration::from_millis(500);
    config.admission.max_request_body_bytes = 4096;
    let relay = TestRelay::start_accounts_with(Backend::new(BackendKind::Postgres), config).await;
    let mut api = Checked::new(&relay);
    let password = "correct horse";

    // The routes: each documented method is served, any other method on its path is 405,
    // an unknown path is 404 (both with an error body).
    let board_path = "/v1/boards/board-1";
    let some_id = "0190a4b2-7c3e-7000-8000-000000000000";
    for (method, path) in documented(&api.document) {
        let url = path
            .replace("{board}", "board-1")
            .replace("{user}", some_id)
            .replace("{session}", some_id);
        for other in METHODS
            .iter()
            .filter(|m| api.document["paths"][&path].get(**m).is_none())
        {
            let (status, head, body) =
                http_raw(relay.addr, &other.to_uppercase(), &url, None, "").await;
            assert_eq!(status, 405, "{other} {url}: {body}");
            let body: Value = serde_json::from_str(&body).expect("JSON");
            assert!(head.contains("content-type: application/json"));
            assert_eq!(body["error"], "method_not_allowed");
            let errors = schema_errors(&api.document, "/components/schemas/Error", &body);
            assert!(errors.is_empty(), "{errors:?}");
        }
        let (status, _, body) = http_raw(relay.addr, &method.to_uppercase(), &url, None, "").await;
        assert!(
            status != 405 && !body.contains("no such endpoint"),
            "{method} {url} is documented but not served: {status} {body}"
        );
    }
    let (status, _, body) = http_raw(relay.addr, "GET", "/v1/no-such-thing", None, "").await;
    assert_eq!(status, 404);
    let body: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(body["error"], "not_found");
    assert!(schema_errors(&api.document, "/components/schemas/Error", &body).is_empty());

    // The document itself.
    let openapi = ("get", "/v1/openapi.json", "/v1/openapi.json");
    api.ok(200, openapi, None, None).await;

    // Accounts.
    let signup = ("post", "/v1/signup", "/v1/signup");
    let credentials = |email: &str| json!({"email": email, "password": password});
    let alice = api
        .ok(201, signup, None, Some(credentials("alice@example.com")))
        .await;
    let bob = api
        .ok(201, signup, None, Some(credentials("bob@example.com")))
        .await;
    let carol = api
        .ok(201, signup, None, Some(credentials("carol@example.com")))
        .await;
    let (alice_id, bob_id, carol_id) = (
        text(&alice, "user_id"),
        text(&bob, "user_id"),
        text(&carol, "user_id"),
    );
    let (bob_token, carol_token) = (text(&bob, "token"), text(&carol, "token"));
    let (bob, carol) = (Some(bob_token.as_str()), Some(carol_token.as_str()));
    let taken = Some(credentials("alice@example.com"));
    api.fails((409, ErrorCode::EmailTaken), signup, None, taken)
        .await;
    let not_an_email = Some(json!({"email": "nobody", "password": password}));
    api.fails((400, ErrorCode::BadRequest), signup, None, not_an_email)
        .await;
    let huge = Some(json!({"email": "x@example.com", "password": "p".repeat(8192)}));
    api.fails((413, ErrorCode::TooLarge), signup, None, huge)
        .await;
    // A body that never arrives whole.
    let mut stream = TcpStream::connect(relay.addr).await.expect("connect");
    let head = format!(
        "POST /v1/signup HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Content-Length: 100\r\nConnection: close\r\n\r\n{{\"email\"",
        relay.addr
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    tokio::time::timeout(WAIT, stream.read_to_end(&mut answer))
        .await
        .expect("an answer in time")
        .expect("read");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .expect("a status");
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let body = api.check("post", "/v1/signup", status, &head.to_lowercase(), body);
    assert_eq!((status, &body["error"]), (408, &json!("request_timeout")));

    let login = ("post", "/v1/login", "/v1/login");
    let session = api
        .ok(200, login, None, Some(credentials("alice@example.com")))
        .await;
    let alice_token = text(&session, "token");
    let alice = Some(alice_token.as_str());
    let wrong = || Some(json!({"email": "dave@example.com", "password": "not it at all"}));
    for _ in 0..ServerConfig::default().accounts.login_failures {
        api.fails((401, ErrorCode::InvalidCredentials), login, None, wrong())
            .await;
    }
    api.fails((429, ErrorCode::TooManyAttempts), login, None, wrong())
        .await;
    let not_json = Some(json!(["not", "credentials"]));
    api.fails((400, ErrorCode::BadRequest), login, None, not_json)
        .await;

    let me = ("get", "/v1/me", "/v1/me");
    let who = api.ok(200, me, alice, None).await;
    assert_eq!(text(&who, "user_id"), alice_id);
    api.fails((401, ErrorCode::Unauthorized), me, None, None)
        .await;

    // Read marks: mine only, newest change wins, bounded.
    let marks_path = "/v1/me/read-marks";
    let put_marks = ("put", marks_path, marks_path);
    let mark =
        |key: &str, read: bool, at: i64| json!({"changed_at_ms": at, "key": key, "read": read});
    let stored = api
        .ok(
            200,
            put_marks,
            alice,
            Some(json!({"marks": [mark("mention/b/c1", true, 10)]})),
        )
        .await;
    assert_eq!(stored, json!({"changed": 1}));
    let got = api
        .ok(
            200,
            ("get", marks_path, "/v1/me/read-marks?after=0"),
            alice,
            None,
        )
        .await;
    assert_eq!(got["marks"], json!([mark("mention/b/c1", true, 10)]));
    api.fails((401, ErrorCode::Unauthorized), put_marks, None, None)
        .await;
    api.fails(
        (400, ErrorCode::BadRequest),
        ("get", marks_path, "/v1/me/read-marks?after=-1"),
        alice,
        None,
    )
    .await;
    let nul_key = Some(json!({"marks": [mark("a\u{0}b", true, 1)]}));
    api.fails((400, ErrorCode::BadRequest), put_marks, alice, nul_key)
        .await;

    let sessions = ("get", "/v1/sessions", "/v1/sessions");
    let listed = api.ok(200, sessions, alice, None).await;
    assert_eq!(listed["sessions"].as_array().map(Vec::len), Some(2));
    api.fails((401, ErrorCode::Unauthorized), sessions, None, None)
        .await;
    let signup_session = text(&listed["sessions"][0], "id");
    let revoke = "/v1/sessions/{session}";
    let url = format!("/v1/sessions/{signup_session}");
    api.ok(204, ("delete", revoke, &url), alice, None).await;
    api.fails(
        (404, ErrorCode::NotFound),
        ("delete", revoke, &url),
        alice,
        None,
    )
    .await;
    let bad = ("delete", revoke, "/v1/sessions/not-an-id");
    api.fails((400, ErrorCode::BadRequest), bad, alice, None)
        .await;
    api.fails(
        (401, ErrorCode::Unauthorized),
        ("delete", revoke, &url),
        None,
        None,
    )
    .await;

    // Boards and members.
    let publish = ("put", "/v1/boards/{board}", board_path);
    let published = api.ok(200, publish, alice, None).await;
    assert_eq!(published, json!({"board_id": "board-1", "role": "owner"}));
    api.fails((409, ErrorCode::BoardTaken), publish, bob, None)
        .await;
    let bad_board = ("put", "/v1/boards/{board}", "/v1/boards/no~good");
    api.fails((400, ErrorCode::BadRequest), bad_board, alice, None)
        .await;
    api.fails((401, ErrorCode::Unauthorized), publish, None, None)
        .await;

    let boards = ("get", "/v1/boards", "/v1/boards");
    let mine = api.ok(200, boards, alice, None).await;
    assert_eq!(
        mine,
        json!({"boards": [{"board_id": "board-1", "role": "owner"}]})
    );
    api.fails((401, ErrorCode::Unauthorized), boards, None, None)
        .await;

    let members_url = "/v1/boards/board-1/members";
    let members = ("get", "/v1/boards/{board}/members", members_url);
    let add = ("put", "/v1/boards/{board}/members", members_url);
    let bob_editor = || Some(json!({"email": "bob@example.com", "role": "editor"}));
    let added = api.ok(200, add, alice, bob_editor()).await;
    assert_eq!(text(&added, "user_id"), bob_id);
    let stranger = Some(json!({"email": "nobody@example.com", "role": "viewer"}));
    api.fails((404, ErrorCode::NotFound), add, alice, stranger)
        .await;
    let carol_viewer = Some(json!({"email": "carol@example.com", "role": "viewer"}));
    api.fails((403, ErrorCode::Forbidden), add, bob, carol_viewer)
        .await;
    let no_such_role = Some(json!({"email": "bob@example.com", "role": "admin"}));
    api.fails((400, ErrorCode::BadRequest), add, alice, no_such_role)
        .await;
    let demote_me = Some(json!({"email": "alice@example.com", "role": "editor"}));
    api.fails((409, ErrorCode::LastOwner), add, alice, demote_me)
        .await;
    let listed = api.ok(200, members, alice, None).await;
    assert_eq!(listed["members"].as_array().map(Vec::len), Some(2));
    api.fails((404, ErrorCode::NotFound), members, carol, None)
        .await;
    api.fails((401, ErrorCode::Unauthorized), members, None, None)
        .await;

    // A task's history: members read it (empty before anyone edits), others get 404.
    let history_path = "/v1/boards/{board}/tasks/{task}/history";
    let history_url = "/v1/boards/board-1/tasks/0190a000-0000-7000-8000-00000000a001/history";
    let history = ("get", history_path, history_url);
    let page = api.ok(200, history, alice, None).await;
    assert_eq!(page, json!({"changes": []}));
    api.fails((404, ErrorCode::NotFound), history, carol, None)
        .await;
    api.fails((401, ErrorCode::Unauthorized), history, None, None)
        .await;
    let bad_limit = format!("{history_url}?limit=1000");
    api.fails(
        (400, ErrorCode::BadRequest),
        ("get", history_path, &bad_limit),
        alice,
        None,
    )
    .await;

    let member = "/v1/boards/{board}/members/{user}";
    let bob_url = format!("{members_url}/{bob_id}");
    let alice_url = format!("{members_url}/{alice_id}");
    let carol_url = format!("{members_url}/{carol_id}");
    let viewer = || Some(json!({"role": "viewer"}));
    api.ok(204, ("put", member, &bob_url), alice, viewer())
        .await;
    api.fails(
        (409, ErrorCode::LastOwner),
        ("put", member, &alice_url),
        alice,
        viewer(),
    )
    .await;
    api.fails(
        (403, ErrorCode::Forbidden),
        ("put", member, &alice_url),
        bob,
        viewer(),
    )
    .await;
    api.fails(
        (404, ErrorCode::NotFound),
        ("put", member, &carol_url),
        alice,
        viewer(),
    )
    .await;
    let bad_user = ("put", member, "/v1/boards/board-1/members/nobody");
    api.fails((400, ErrorCode::BadRequest), bad_user, alice, viewer())
        .await;

    // Invites.
    let invites = (
        "post",
        "/v1/boards/{board}/invites",
        "/v1/boards/board-1/invites",
    );
    let invite = api
        .ok(201, invites, alice, Some(json!({"role": "editor"})))
        .await;
    assert_eq!(invite["max_uses"], 1);
    api.fails(
        (403, ErrorCode::Forbidden),
        invites,
        bob,
        Some(json!({"role": "viewer"})),
    )
    .await;
    api.fails(
        (404, ErrorCode::NotFound),
        invites,
        carol,
        Some(json!({"role": "viewer"})),
    )
    .await;
    let owner = Some(json!({"role": "owner"}));
    api.fails((400, ErrorCode::BadRequest), invites, alice, owner)
        .await;

    let accept = ("post", "/v1/invites/accept", "/v1/invites/accept");
    let joined = api
        .ok(200, accept, carol, Some(json!({"token": invite["token"]})))
        .await;
    assert_eq!(joined, json!({"board_id": "board-1", "role": "editor"}));
    let used_up = Some(json!({"token": invite["token"]}));
    api.fails((404, ErrorCode::NotFound), accept, bob, used_up)
        .await;
    let not_a_token = Some(json!({"token": "nope"}));
    api.fails((400, ErrorCode::BadRequest), accept, bob, not_a_token)
        .await;
    api.fails((401, ErrorCode::Unauthorized), accept, None, None)
        .await;

    // Removing members and leaving.
    api.fails(
        (403, ErrorCode::Forbidden),
        ("delete", member, &carol_url),
        bob,
        None,
    )
    .await;
    api.fails(
        (409, ErrorCode::LastOwner),
        ("delete", member, &alice_url),
        alice,
        None,
    )
    .await;
    api.ok(204, ("delete", member, &carol_url), alice, None)
        .await;
    api.fails(
        (404, ErrorCode::NotFound),
        ("delete", member, &carol_url),
        alice,
        None,
    )
    .await;
    let leave = (
        "post",
        "/v1/boards/{board}/leave",
        "/v1/boards/board-1/leave",
    );
    api.fails((409, ErrorCode::LastOwner), leave, alice, None)
        .await;
    api.ok(204, leave, bob, None).await;
    api.fails((404, ErrorCode::NotFound), leave, bob, None)
        .await;
    let bad_leave = (
        "post",
        "/v1/boards/{board}/leave",
        "/v1/boards/no~good/leave",
    );
    api.fails((400, ErrorCode::BadRequest), bad_leave, bob, None)
        .await;

    // Deleting the board: its owner only; then it is gone for everyone.
    let delete = ("delete", "/v1/boards/{board}", board_path);
    api.fails((404, ErrorCode::NotFound), delete, bob, None)
        .await;
    api.ok(204, delete, alice, None).await;
    api.fails((404, ErrorCode::NotFound), delete, alice, None)
        .await;

    // Logging out.
    let logout = ("post", "/v1/logout", "/v1/logout");
    api.ok(204, logout, alice, None).await;
    api.fails((401, ErrorCode::Unauthorized), logout, alice, None)
        .await;

    // Every documented operation was called, and answered its documented success.
    for (method, path) in documented(&api.document) {
        let success = api
            .seen
            .iter()
            .any(|(m, p, status)| *m == method && *p == path && (200..300).contains(status));
        assert!(success, "{method} {path}: no success checked");
        let failure = api
            .seen
            .iter()
            .any(|(m, p, status)| *m == method && *p == path && *status >= 400);
        assert!(
            failure || path == "/v1/openapi.json",
            "{method} {path}: no error checked"
        );
    }
    relay.stop().await;
}
