-- Tack store schema, version 4: board templates saved on this computer (DESIGN §2).

-- A template is a board document of its own (a Yjs state, guid = id): columns, labels and
-- tasks to start a new board from. Built-in templates are not stored: board-store makes them.
CREATE TABLE templates (
    id         TEXT    PRIMARY KEY,            -- UUID v7
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,               -- ms since the Unix epoch
    state      BLOB    NOT NULL                -- the template board's Yjs v1 state
) STRICT;
