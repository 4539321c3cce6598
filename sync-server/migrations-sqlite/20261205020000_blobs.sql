-- Attachments' bookkeeping (DESIGN.md §4 "Blobs"); the PostgreSQL twin has the same table
-- with row-level security, and `blob_chunks` for its own blob store. One process owns this
-- file: the relay checks access itself. The bytes are in the relay's blob store (a directory
-- by default, or S3).
CREATE TABLE blobs (
    board_id           TEXT   NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    sha256             TEXT   NOT NULL,
    size               BIGINT NOT NULL CHECK (size >= 0),
    created_ms         BIGINT NOT NULL,
    last_referenced_ms BIGINT NOT NULL,
    PRIMARY KEY (board_id, sha256)
);
