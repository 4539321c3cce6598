-- Tack store schema, version 2: who this profile is, and each shared board's member
-- directory cached so names show offline (DESIGN §1: names come from the directory, never
-- from the document).

-- Per-profile settings of the store itself. `member_id` is the local profile's member id: the
-- author and assignee id on boards never shared while no account is signed in.
CREATE TABLE profile (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;

-- The last member list the relay gave for a board.
CREATE TABLE members (
    board_id TEXT NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL,
    email    TEXT NOT NULL,
    role     TEXT NOT NULL,
    PRIMARY KEY (board_id, user_id)
) STRICT, WITHOUT ROWID;
