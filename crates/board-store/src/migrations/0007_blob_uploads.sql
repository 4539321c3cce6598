-- Tack store schema, version 7: attachments' bytes waiting to be uploaded (DESIGN §2 "Blobs").
-- The bytes themselves are files under `blobs/` beside this file, named by their SHA-256,
-- written and synced before a row here and before the metadata that names them is committed.
-- A row leaves once the relay holds the bytes (its HEAD or PUT said so).
CREATE TABLE blob_uploads (
    board_id TEXT    NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    sha256   TEXT    NOT NULL,
    size     INTEGER NOT NULL,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (board_id, sha256)
) STRICT;
