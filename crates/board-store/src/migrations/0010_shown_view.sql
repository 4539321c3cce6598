-- Tack store schema, version 10: the view the app last showed (DESIGN §2 "Shown view"), so a
-- start paints the last board at once while its document loads, then reconciles. One row at
-- most: the board shown last. A cache only: losing it costs a slower start, nothing else.
CREATE TABLE shown_view (
    board_id TEXT    PRIMARY KEY NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    shown    BLOB    NOT NULL,
    saved_at INTEGER NOT NULL
) STRICT;
