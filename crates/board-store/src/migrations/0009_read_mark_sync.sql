-- Tack store schema, version 9: read marks follow me across my devices through the relay
-- (DESIGN §2 `inbox`, §4 "Read marks"). `read_sent` is 0 while a read/unread change made on
-- this device has not reached the relay; marks from my other devices for entries this device
-- has not derived yet wait in `read_marks_waiting` and apply when the entry is added. The
-- relay's seq read up to is kept in `profile` per account (`read_marks:after:<account>`).
ALTER TABLE inbox ADD COLUMN read_sent INTEGER NOT NULL DEFAULT 1;
UPDATE inbox SET read_sent = 0 WHERE read_changed_at > 0;
CREATE INDEX inbox_unsent ON inbox (read_changed_at) WHERE read_sent = 0;

CREATE TABLE read_marks_waiting (
    key        TEXT    PRIMARY KEY NOT NULL,
    read       INTEGER NOT NULL,
    changed_at INTEGER NOT NULL
) STRICT;
CREATE INDEX read_marks_waiting_oldest ON read_marks_waiting (changed_at);
