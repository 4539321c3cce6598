-- Tack store schema, version 6: per-person state of the "stay on top" features (DESIGN §1
-- "Per-person state", §2): my reminders and my inbox. Never in a board document.

-- One reminder per task of mine: either an offset before the task's due (it follows the due)
-- or a fixed moment. `due` and `title` cache what the board said when the reminder was last
-- refreshed, so the scheduler knows the next one without loading any board.
CREATE TABLE reminders (
    board_id   TEXT    NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    task_id    TEXT    NOT NULL,
    before_ms  INTEGER,                        -- offset before the due (0: at due)
    at_ms      INTEGER,                        -- or a fixed moment, ms since the epoch
    due        TEXT,                           -- the task's due when last refreshed
    title      TEXT    NOT NULL DEFAULT '',    -- the task's title when last refreshed
    fire_at    INTEGER,                        -- when it fires (NULL: no due to follow)
    fired_at   INTEGER,                        -- when it fired (NULL: not yet)
    created_at INTEGER NOT NULL,
    PRIMARY KEY (board_id, task_id),
    CHECK ((before_ms IS NULL) <> (at_ms IS NULL))
) STRICT, WITHOUT ROWID;
CREATE INDEX reminders_pending ON reminders (fire_at) WHERE fired_at IS NULL;

-- What concerns me (mentions, assignments, comments and moves of my tasks, due soon, fired
-- reminders), newest first. `key` is derivable identically on each of my devices, so read
-- marks can follow me; `read_changed_at` orders read/unread changes (last writer wins).
CREATE TABLE inbox (
    key             TEXT    PRIMARY KEY NOT NULL,
    board_id        TEXT    NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    task_id         TEXT    NOT NULL,
    kind            TEXT    NOT NULL,          -- board_model::ConcernKind::as_str
    actor           TEXT,                      -- who did it, when known (a member id)
    title           TEXT    NOT NULL,          -- the task's title then
    created_at      INTEGER NOT NULL,
    read            INTEGER NOT NULL DEFAULT 0,
    read_changed_at INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX inbox_newest ON inbox (created_at DESC);
