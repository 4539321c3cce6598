-- Tack store schema, version 8: an attachment copied or moved to another board (DESIGN §2
-- "Blobs") is queued for upload to that board; `from_board` names the board it came from, where
-- the relay holds its bytes, for when this computer never downloaded them.
ALTER TABLE blob_uploads ADD COLUMN from_board TEXT;
