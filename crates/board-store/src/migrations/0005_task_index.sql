-- Tack store schema, version 5: the task index (DESIGN §2 "Task index"), for search across
-- boards and "My tasks" without loading every board. Derived data: any board's rows can be
-- rebuilt from its stored document, and are whenever `task_index_boards` says they are stale.

-- Per board: how far the index reflects the stored log. Fresh when `indexed_seq` equals
-- `boards.last_seq` and `version` is this build's index version; anything else (a write that
-- did not index, a store migrated from version 3, an index format change) makes the store
-- rebuild the board's rows from its document before answering.
CREATE TABLE task_index_boards (
    board_id     TEXT    PRIMARY KEY NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    indexed_seq  INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    -- What the replica that wrote the rows last had integrated (a yrs snapshot: state vector
    -- and deletions, board_model::Board::seen): a later write from a replica that has not
    -- seen all of it leaves the board stale instead of writing rows from an older state.
    seen         BLOB    NOT NULL,
    board_title  TEXT    NOT NULL
) STRICT;

-- One row per task of the document (archived ones too).
CREATE TABLE task_index (
    id               INTEGER PRIMARY KEY,        -- the rowid of its `task_search` row
    board_id         TEXT    NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    task_id          TEXT    NOT NULL,
    column_id        TEXT    NOT NULL,
    column_title     TEXT    NOT NULL,
    title            TEXT    NOT NULL,
    due              TEXT,                       -- as stored in the document
    archived         INTEGER NOT NULL,
    assignees        TEXT    NOT NULL,           -- JSON array of member ids
    labels           TEXT    NOT NULL,           -- JSON array of label names
    checklist_items  INTEGER NOT NULL,
    comment_count    INTEGER NOT NULL,
    attachment_count INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    rank             TEXT    NOT NULL,
    UNIQUE (board_id, task_id)
) STRICT;

-- Who is assigned to what, for "My tasks".
CREATE TABLE task_index_assignees (
    user_id  TEXT NOT NULL,
    board_id TEXT NOT NULL,
    task_id  TEXT NOT NULL,
    PRIMARY KEY (user_id, board_id, task_id),
    FOREIGN KEY (board_id, task_id) REFERENCES task_index (board_id, task_id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

-- Full text of each task (rowid = task_index.id), tokenized as board_model::query::words.
CREATE VIRTUAL TABLE task_search USING fts5 (
    title, description, comments, checklist, labels, people,
    tokenize = 'unicode61 remove_diacritics 0'
);

-- The text goes with its row, however the row goes (a task removed, a board deleted).
CREATE TRIGGER task_index_text_gone AFTER DELETE ON task_index BEGIN
    DELETE FROM task_search WHERE rowid = old.id;
END;
