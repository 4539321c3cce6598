-- Tack store schema, version 3: per-task history (DESIGN §2 and "History").

-- My own changes, one row per task field (or comment) an operation changed, written in the
-- same transaction as the operation's updates. Compaction never touches it; it goes with its
-- board. `author_id` NULL means "this profile" (every local row is mine: a teammate's changes
-- are named by the relay, never by this table).
CREATE TABLE task_changes (
    id         INTEGER PRIMARY KEY,            -- the change id `l<id>` tackctl prints
    board_id   TEXT    NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    task_id    TEXT    NOT NULL,
    field      TEXT    NOT NULL,               -- board_model::HistoryField::as_str
    value      TEXT    NOT NULL,               -- JSON (board_model::FieldValue)
    truncated  INTEGER NOT NULL DEFAULT 0,     -- value cut at MAX_HISTORY_VALUE_BYTES
    at         INTEGER NOT NULL,               -- ms since the Unix epoch
    update_seq INTEGER NOT NULL                -- the last update of the operation's batch;
                                               -- unacknowledged while in `outbox`
) STRICT;
CREATE INDEX task_changes_by_task ON task_changes (board_id, task_id, id);

-- The relay's named history of a task as last fetched (its first page), so a shared board's
-- history still names people offline. Replaced whole at each fetch; ids are the relay's.
CREATE TABLE relay_task_changes (
    board_id  TEXT    NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    task_id   TEXT    NOT NULL,
    id        TEXT    NOT NULL,                -- `<seq>.<n>`
    position  INTEGER NOT NULL,                -- order in the page, newest first
    field     TEXT    NOT NULL,
    value     TEXT    NOT NULL,
    truncated INTEGER NOT NULL,
    author_id TEXT,
    at        INTEGER NOT NULL,
    PRIMARY KEY (board_id, task_id, id)
) STRICT, WITHOUT ROWID;
