-- Read marks that follow a person across their devices (DESIGN.md §4 "Read marks"); the
-- PostgreSQL twin has the same tables with row-level security. One process owns this file:
-- the relay reads and writes only the signed-in user's rows itself.
CREATE TABLE read_marks (
    user_id       TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key           TEXT    NOT NULL,
    read          BOOLEAN NOT NULL,
    changed_at_ms BIGINT  NOT NULL,
    seq           BIGINT  NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX read_marks_by_seq ON read_marks (user_id, seq);
CREATE INDEX read_marks_by_change ON read_marks (user_id, changed_at_ms);

CREATE TABLE read_mark_clocks (
    user_id TEXT   PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    seq     BIGINT NOT NULL
);
