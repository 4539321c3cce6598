-- Per-task history (DESIGN.md "History", §4); the PostgreSQL twin has the same table with
-- row-level security. One process owns this file: the relay checks access itself.
CREATE TABLE task_changes (
    board_id  TEXT    NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    seq       BIGINT  NOT NULL,
    n         INTEGER NOT NULL,
    task_id   TEXT    NOT NULL,
    field     TEXT    NOT NULL,
    value     TEXT    NOT NULL,
    truncated BOOLEAN NOT NULL DEFAULT false,
    author_id TEXT    REFERENCES users (id) ON DELETE SET NULL,
    at_ms     BIGINT  NOT NULL,
    PRIMARY KEY (board_id, seq, n)
);
CREATE INDEX task_changes_by_task ON task_changes (board_id, task_id, seq, n);
CREATE INDEX task_changes_by_time ON task_changes (at_ms);
