-- Read marks that follow a person across their devices (DESIGN.md §4 "Read marks"): one row
-- per inbox entry key a device marked read or unread, the latest change winning. Only that
-- person reads or writes their rows (row-level security on the acting user).
CREATE TABLE read_marks (
    user_id       TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key           TEXT    NOT NULL,   -- the inbox entry's key (DESIGN §2 `inbox`)
    read          BOOLEAN NOT NULL,
    changed_at_ms BIGINT  NOT NULL,   -- when the device changed it (last writer wins)
    seq           BIGINT  NOT NULL,   -- the user's clock when stored: devices read after a seq
    PRIMARY KEY (user_id, key)
);
CREATE INDEX read_marks_by_seq ON read_marks (user_id, seq);
CREATE INDEX read_marks_by_change ON read_marks (user_id, changed_at_ms);

-- Each user's last seq. Storing marks takes this row's lock first, so one user's stores run
-- one after another and a device that has read up to a seq never misses a later-committed
-- lower one.
CREATE TABLE read_mark_clocks (
    user_id TEXT   PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    seq     BIGINT NOT NULL
);

ALTER TABLE read_marks ENABLE ROW LEVEL SECURITY;
ALTER TABLE read_marks FORCE ROW LEVEL SECURITY;
ALTER TABLE read_mark_clocks ENABLE ROW LEVEL SECURITY;
ALTER TABLE read_mark_clocks FORCE ROW LEVEL SECURITY;

CREATE POLICY read_marks_own ON read_marks FOR ALL TO tack_relay
    USING (user_id = public.tack_current_user())
    WITH CHECK (user_id = public.tack_current_user());
CREATE POLICY read_mark_clocks_own ON read_mark_clocks FOR ALL TO tack_relay
    USING (user_id = public.tack_current_user())
    WITH CHECK (user_id = public.tack_current_user());

DO $$
BEGIN
    EXECUTE format('CREATE POLICY owner_read_marks ON read_marks FOR ALL TO %I '
                   'USING (true) WITH CHECK (true)', current_user);
    EXECUTE format('CREATE POLICY owner_read_mark_clocks ON read_mark_clocks FOR ALL TO %I '
                   'USING (true) WITH CHECK (true)', current_user);
END
$$;

GRANT SELECT, INSERT, UPDATE, DELETE ON read_marks, read_mark_clocks TO tack_relay;
