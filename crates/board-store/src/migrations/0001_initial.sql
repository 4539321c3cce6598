-- Tack store schema, version 1. Migrations are append-only: never edit a released one.

CREATE TABLE boards (
    id             TEXT    PRIMARY KEY NOT NULL,
    title          TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,           -- ms since the Unix epoch
    server         TEXT,
    role           TEXT,
    last_synced_at INTEGER,                    -- ms since the Unix epoch
    last_seq       INTEGER NOT NULL DEFAULT 0  -- highest seq ever allocated; never decreases
) STRICT;

CREATE TABLE updates (
    board_id   TEXT    NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    bytes      BLOB    NOT NULL,               -- one Yjs v1 update, opaque
    origin     TEXT    NOT NULL CHECK (origin IN ('local', 'remote')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (board_id, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE snapshots (
    board_id     TEXT    PRIMARY KEY NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    state        BLOB    NOT NULL,             -- Yjs v1 update of the whole gc'd state
    state_vector BLOB    NOT NULL,             -- Yjs v1 state vector of `state`
    up_to_seq    INTEGER NOT NULL,             -- every update with seq <= this is in `state`
    created_at   INTEGER NOT NULL
) STRICT;

-- Local updates not yet acknowledged by the server. The referenced `updates` row is kept
-- by compaction even when folded into the snapshot, so its exact bytes can still be sent.
CREATE TABLE outbox (
    board_id TEXT    NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    seq      INTEGER NOT NULL,
    PRIMARY KEY (board_id, seq),
    FOREIGN KEY (board_id, seq) REFERENCES updates (board_id, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE undo_state (
    board_id TEXT    PRIMARY KEY NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    blob     BLOB    NOT NULL,                 -- owned by board-model, opaque here
    saved_at INTEGER NOT NULL
) STRICT;
