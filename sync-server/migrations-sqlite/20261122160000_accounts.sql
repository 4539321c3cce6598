-- The SQLite twin of migrations/20261122160000_accounts_and_rls.sql: the same tables and
-- columns, without roles, policies or triggers. An embedded relay is one process, so the
-- permission checks are the relay's own (`accounts.rs`), and membership changes reach its
-- open channels in-process.

CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE board_members (
    board_id TEXT NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role     TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
    PRIMARY KEY (board_id, user_id)
);
CREATE INDEX board_members_by_user ON board_members (user_id, board_id);

CREATE TABLE board_invites (
    id         TEXT PRIMARY KEY NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    board_id   TEXT NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('editor', 'viewer')),
    created_by TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL,
    max_uses   BIGINT NOT NULL,
    uses       BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX board_invites_by_board ON board_invites (board_id);

ALTER TABLE board_updates ADD COLUMN author_id TEXT REFERENCES users (id) ON DELETE SET NULL;
