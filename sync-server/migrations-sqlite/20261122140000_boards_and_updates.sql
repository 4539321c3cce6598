-- The SQLite twin of migrations/20261122140000_boards_and_updates.sql (embedded single-node
-- relay). Same tables, columns and meaning; BLOB for BYTEA, ISO-8601 UTC text for TIMESTAMPTZ.

CREATE TABLE boards (
    id         TEXT PRIMARY KEY NOT NULL,
    last_seq   BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE board_updates (
    board_id   TEXT NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    seq        BIGINT NOT NULL,
    bytes      BLOB NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (board_id, seq)
);

CREATE TABLE board_snapshots (
    board_id     TEXT PRIMARY KEY NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    state        BLOB NOT NULL,
    state_vector BLOB NOT NULL,
    up_to_seq    BIGINT NOT NULL,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
