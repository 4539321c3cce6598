//! The page behind an invite link (`GET /invite/{token}`), through the real router: what a
//! browser gets for a live invite (the board's title escaped, who invited, how to join), and one
//! "no longer valid" page for an unknown, malformed or used-up token.

use sync_protocol::{MuxMessage, SyncMessage};
use yrs::{Map, ReadTxn, Transact};

use crate::support::{http_raw, TestRelay, BOTH};

const BOARD: &str = "0190a000-0000-7000-8000-00000000c0de";
const HOSTILE_TITLE: &str = "<script>alert('x')</script> & \"plans\"";

/// Status, head (lower case) and body of `GET path`.
async fn get(relay: &TestRelay, path: &str) -> (u16, String, String) {
    http_raw(relay.addr, "GET", path, None, "").await
}

fn assert_page_headers(head: &str, what: &str) {
    for header in [
        "content-type: text/html; charset=utf-8",
        "x-content-type-options: nosniff",
        "content-security-policy: default-src 'none'; style-src 'sha256-",
        "referrer-policy: no-referrer",
        "cache-control: no-store",
    ] {
        assert!(head.contains(header), "{what}: no `{header}` in\n{head}");
    }
}

#[tokio::test]
async fn an_invite_link_opened_in_a_browser_says_who_invited_to_which_board_and_how_to_join() {
    for kind in BOTH {
        let relay = TestRelay::start_accounts(kind).await;
        let (_, owner) = relay.signup("olga@example.com").await;
        relay.publish(&owner, BOARD).await;
        let mut client = relay.client().await;
        client
            .open(BOARD, &owner)
            .await
            .expect("the owner opens the board");
        let doc = client.doc(BOARD).clone();
        let meta = doc.get_or_insert_map("meta");
        let before = doc.transact().state_vector();
        meta.insert(&mut doc.transact_mut(), "title", HOSTILE_TITLE);
        let update = doc.transact().encode_diff_v1(&before);
        client
            .send(BOARD, MuxMessage::Sync(SyncMessage::Update { update }))
            .await;
        assert_eq!(client.status(BOARD).await, Some(true), "{kind:?}");

        let (status, invite) = relay
            .api(
                "POST",
                &format!("/v1/boards/{BOARD}/invites"),
                Some(&owner),
                Some(serde_json::json!({"role": "editor"})),
            )
            .await;
        assert_eq!(status, 201, "{kind:?}: {invite}");
        let token = invite["token"].as_str().expect("token").to_owned();

        let (status, head, body) = get(&relay, &format!("/invite/{token}")).await;
        assert_eq!(status, 200, "{kind:?}: {body}");
        assert_page_headers(&head, "a live invite");
        assert!(
            body.contains(
                "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;plans&quot;"
            ),
            "{kind:?}: the title, escaped: {body}"
        );
        assert!(!body.contains("<script"), "{kind:?}: {body}");
        assert!(body.contains("olga@example.com"), "{kind:?}: {body}");
        assert!(
            body.contains(">editor<") || body.contains(" editor."),
            "{kind:?}: {body}"
        );
        let link = format!("http://{}/invite/{token}", relay.addr);
        assert!(
            body.contains(&format!("<code>{link}</code>")),
            "{kind:?}: {body}"
        );
        assert!(
            body.contains("<kbd>Ctrl</kbd>-<kbd>K</kbd>") && body.contains("paste this link"),
            "{kind:?}: {body}"
        );
        assert!(
            body.contains(&format!(
                "href=\"tack://join?relay=http%3A%2F%2F{}&amp;token={token}\"",
                relay.addr.to_string().replace(':', "%3A")
            )),
            "{kind:?}: the desktop's deep link: {body}"
        );

        // Unknown, malformed (with markup in the path) and used-up tokens: one answer.
        let unknown = "A".repeat(43);
        let (status, head, body) = get(&relay, &format!("/invite/{unknown}")).await;
        assert_eq!(status, 404, "{kind:?}");
        assert_page_headers(&head, "an unknown invite");
        assert!(body.contains("This invite is no longer valid"), "{body}");
        let (status, _, body) = get(&relay, "/invite/%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
        assert_eq!(status, 404, "{kind:?}");
        assert!(!body.contains("<script"), "{kind:?}: {body}");

        let (_, guest) = relay.signup("gus@example.com").await;
        let (status, joined) = relay
            .api(
                "POST",
                "/v1/invites/accept",
                Some(&guest),
                Some(serde_json::json!({"token": token})),
            )
            .await;
        assert_eq!(status, 200, "{kind:?}: {joined}");
        let (status, _, body) = get(&relay, &format!("/invite/{token}")).await;
        assert_eq!(status, 404, "{kind:?}: a used-up invite");
        assert!(body.contains("This invite is no longer valid"), "{body}");
        assert!(!body.contains("olga@example.com"), "{kind:?}: {body}");
    }
}
