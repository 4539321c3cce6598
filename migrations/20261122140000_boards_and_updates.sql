-- Boards, their append-only update log and their compacted snapshot (DESIGN.md §4).
-- Users, members and row-level security come in a later migration; these names stay.

-- One row per board ever written. `last_seq` is the sequence allocator: writers take the row
-- lock with `INSERT … ON CONFLICT (id) DO UPDATE SET last_seq = boards.last_seq + n`, so seqs
-- stay strictly increasing even with several relay processes on one database.
CREATE TABLE boards (
    id         TEXT PRIMARY KEY,
    last_seq   BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Every committed Yjs v1 update, in seq order per board. Compaction deletes the rows it
-- folded into `board_snapshots`, in the same transaction.
CREATE TABLE board_updates (
    board_id   TEXT NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    seq        BIGINT NOT NULL,
    bytes      BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (board_id, seq)
);

-- The board's state folded up to and including `up_to_seq` (a gc'd v1 update and its v1
-- state vector); the board is this snapshot plus the `board_updates` rows after it.
CREATE TABLE board_snapshots (
    board_id     TEXT PRIMARY KEY REFERENCES boards (id) ON DELETE CASCADE,
    state        BYTEA NOT NULL,
    state_vector BYTEA NOT NULL,
    up_to_seq    BIGINT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
