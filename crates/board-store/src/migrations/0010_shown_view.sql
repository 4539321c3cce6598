-- Tack store schema, version 10: the view the app last showed (DESIGN §2 "Shown view"), so a
-- start paints the last board at once while its document loads, then reconciles. One row per
-- board shown recently (the newest `saved_at` is the board shown last) or kept ahead for a large
-- board not shown yet (`saved_at` 0); `shown.rs` bounds how many and how large. A cache only:
-- losing it costs a slower start, nothing else.
CREATE TABLE shown_view (
    board_id TEXT    PRIMARY KEY NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    shown    BLOB    NOT NULL,
    saved_at INTEGER NOT NULL
) STRICT;
