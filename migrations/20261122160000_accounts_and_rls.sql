-- Accounts, board membership and row-level security (DESIGN.md §5).
--
-- Who is who:
-- * the role running this migration OWNS every table (the "owner");
-- * the relay connects as `tack_relay` (or a login role that is a member of it): it owns
--   nothing, is not superuser, has no BYPASSRLS, and every board table FORCEs row-level
--   security, so what it may see and write is decided here, by PostgreSQL;
-- * the acting user is set per transaction with `set_config('tack.user_id', $1, true)`
--   (transaction-local, so it works behind a transaction-mode pooler); with no user set the
--   policies match nothing.
--
-- Ids are TEXT (UUID text) and times are BIGINT seconds since the epoch, exactly as in the
-- embedded-SQLite twin, so the relay runs one query text on both databases.

-- Roles are cluster-wide while databases are not: create the relay's role once, tolerating
-- concurrent migrations of other databases on the same cluster (parallel tests).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tack_relay') THEN
        CREATE ROLE tack_relay NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    -- Stored lower-cased by the relay.
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

-- A session token is 32 random bytes given to the client once; only its SHA-256 is kept.
CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    token_hash BYTEA NOT NULL UNIQUE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE board_members (
    board_id TEXT NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role     TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
    PRIMARY KEY (board_id, user_id)
);
-- "My boards", and the policies' lookup of (board, acting user).
CREATE INDEX board_members_by_user ON board_members (user_id, board_id);

-- An invite link: its token (hashed like a session's) grants `role` on `board_id` to whoever
-- accepts it, until `expires_at` or `max_uses`.
CREATE TABLE board_invites (
    id         TEXT PRIMARY KEY,
    token_hash BYTEA NOT NULL UNIQUE,
    board_id   TEXT NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('editor', 'viewer')),
    created_by TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL,
    max_uses   BIGINT NOT NULL,
    uses       BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX board_invites_by_board ON board_invites (board_id);

-- Who wrote each update (NULL only for rows written before accounts, or by an anonymous
-- development relay).
ALTER TABLE board_updates ADD COLUMN author_id TEXT REFERENCES users (id) ON DELETE SET NULL;

-- The acting user of this transaction, or NULL.
CREATE FUNCTION tack_current_user() RETURNS TEXT
LANGUAGE sql STABLE
AS $$ SELECT NULLIF(current_setting('tack.user_id', true), '') $$;

-- The acting user's role on a board, or NULL. SECURITY DEFINER (runs as the owner, who has
-- its own read-only policy on board_members below) so that board_members' own policy can use
-- it without recursing into itself.
CREATE FUNCTION tack_board_role(board TEXT) RETURNS TEXT
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path FROM CURRENT
AS $$
    SELECT role FROM board_members WHERE board_id = board AND user_id = tack_current_user()
$$;

-- True when a board row has no members yet (it may be claimed by publishing it).
CREATE FUNCTION tack_board_unclaimed(board TEXT) RETURNS BOOLEAN
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path FROM CURRENT
AS $$ SELECT NOT EXISTS (SELECT 1 FROM board_members WHERE board_id = board) $$;

-- Accepting an invite: the only way to become a member without an owner adding you. Runs as
-- the owner, checks the invite (hash, expiry, uses) and the acting user, returns the board
-- and the role granted (NULL when the invite is not valid). An existing member keeps the
-- higher of the two roles.
CREATE FUNCTION tack_accept_invite(invite_hash BYTEA, now_secs BIGINT)
RETURNS TABLE (board_id TEXT, role TEXT)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path FROM CURRENT
AS $$
#variable_conflict use_column
DECLARE
    acting TEXT := tack_current_user();
    invite board_invites%ROWTYPE;
BEGIN
    IF acting IS NULL THEN
        RETURN;
    END IF;
    SELECT * INTO invite FROM board_invites i
     WHERE i.token_hash = invite_hash AND i.expires_at > now_secs AND i.uses < i.max_uses
     FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    UPDATE board_invites SET uses = uses + 1 WHERE id = invite.id;
    INSERT INTO board_members AS m (board_id, user_id, role)
    VALUES (invite.board_id, acting, invite.role)
    ON CONFLICT ON CONSTRAINT board_members_pkey DO UPDATE
       SET role = CASE WHEN m.role = 'viewer' THEN excluded.role ELSE m.role END;
    RETURN QUERY
        SELECT m.board_id, m.role FROM board_members m
         WHERE m.board_id = invite.board_id AND m.user_id = acting;
END
$$;

-- Relays LISTEN on `tack_membership`: a changed or removed membership closes or downgrades
-- that user's open channels on that board at once. Payload: `board_id` TAB `user_id`.
CREATE FUNCTION tack_notify_membership() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM pg_notify('tack_membership', OLD.board_id || chr(9) || OLD.user_id);
    RETURN NULL;
END
$$;
CREATE TRIGGER board_members_changed
    AFTER UPDATE OR DELETE ON board_members
    FOR EACH ROW EXECUTE FUNCTION tack_notify_membership();

-- Row-level security on every board table, forced so that even the owner is subject to it.
ALTER TABLE boards ENABLE ROW LEVEL SECURITY;
ALTER TABLE boards FORCE ROW LEVEL SECURITY;
ALTER TABLE board_updates ENABLE ROW LEVEL SECURITY;
ALTER TABLE board_updates FORCE ROW LEVEL SECURITY;
ALTER TABLE board_snapshots ENABLE ROW LEVEL SECURITY;
ALTER TABLE board_snapshots FORCE ROW LEVEL SECURITY;
ALTER TABLE board_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE board_members FORCE ROW LEVEL SECURITY;
ALTER TABLE board_invites ENABLE ROW LEVEL SECURITY;
ALTER TABLE board_invites FORCE ROW LEVEL SECURITY;

-- boards: members read; any signed-in user may create a board row (publishing claims it in
-- the same transaction); owners and editors advance `last_seq`; owners delete.
CREATE POLICY boards_select ON boards FOR SELECT TO tack_relay
    USING (tack_board_role(id) IS NOT NULL);
CREATE POLICY boards_insert ON boards FOR INSERT TO tack_relay
    WITH CHECK (tack_current_user() IS NOT NULL);
CREATE POLICY boards_update ON boards FOR UPDATE TO tack_relay
    USING (tack_board_role(id) IN ('owner', 'editor'))
    WITH CHECK (tack_board_role(id) IN ('owner', 'editor'));
CREATE POLICY boards_delete ON boards FOR DELETE TO tack_relay
    USING (tack_board_role(id) = 'owner');

-- board_updates: members read; a row may be inserted only by its author, who must be able to
-- write the board; writers delete rows folded into a snapshot (compaction). No UPDATE.
CREATE POLICY updates_select ON board_updates FOR SELECT TO tack_relay
    USING (tack_board_role(board_id) IS NOT NULL);
CREATE POLICY updates_insert ON board_updates FOR INSERT TO tack_relay
    WITH CHECK (author_id = tack_current_user()
                AND tack_board_role(board_id) IN ('owner', 'editor'));
CREATE POLICY updates_delete ON board_updates FOR DELETE TO tack_relay
    USING (tack_board_role(board_id) IN ('owner', 'editor'));

-- board_snapshots: members read; writers replace them (compaction deletes then inserts).
CREATE POLICY snapshots_select ON board_snapshots FOR SELECT TO tack_relay
    USING (tack_board_role(board_id) IS NOT NULL);
CREATE POLICY snapshots_insert ON board_snapshots FOR INSERT TO tack_relay
    WITH CHECK (tack_board_role(board_id) IN ('owner', 'editor'));
CREATE POLICY snapshots_delete ON board_snapshots FOR DELETE TO tack_relay
    USING (tack_board_role(board_id) IN ('owner', 'editor'));

-- board_members: members see a board's members; owners add, change and remove members; the
-- first member of an unclaimed board may be its publisher, as owner; anyone may leave.
CREATE POLICY members_select ON board_members FOR SELECT TO tack_relay
    USING (user_id = tack_current_user() OR tack_board_role(board_id) IS NOT NULL);
CREATE POLICY members_insert ON board_members FOR INSERT TO tack_relay
    WITH CHECK (tack_board_role(board_id) = 'owner'
                OR (user_id = tack_current_user() AND role = 'owner'
                    AND tack_board_unclaimed(board_id)));
CREATE POLICY members_update ON board_members FOR UPDATE TO tack_relay
    USING (tack_board_role(board_id) = 'owner')
    WITH CHECK (tack_board_role(board_id) = 'owner');
CREATE POLICY members_delete ON board_members FOR DELETE TO tack_relay
    USING (tack_board_role(board_id) = 'owner' OR user_id = tack_current_user());

-- board_invites: only a board's owners see, create and delete its invites (accepting goes
-- through tack_accept_invite).
CREATE POLICY invites_all ON board_invites FOR ALL TO tack_relay
    USING (tack_board_role(board_id) = 'owner')
    WITH CHECK (tack_board_role(board_id) = 'owner');

-- The owner's own access, used only by the SECURITY DEFINER functions above (FORCE applies to
-- the owner too). Named after whichever role runs this migration.
DO $$
BEGIN
    EXECUTE format('CREATE POLICY owner_members ON board_members FOR ALL TO %I '
                   'USING (true) WITH CHECK (true)', current_user);
    EXECUTE format('CREATE POLICY owner_invites ON board_invites FOR ALL TO %I '
                   'USING (true) WITH CHECK (true)', current_user);
END
$$;

-- Privileges of the relay's role in this database: data only, no DDL, no TRUNCATE.
GRANT USAGE ON SCHEMA public TO tack_relay;
GRANT SELECT, INSERT, UPDATE, DELETE ON users, sessions TO tack_relay;
GRANT SELECT, INSERT, DELETE ON boards, board_updates, board_snapshots, board_invites
    TO tack_relay;
GRANT UPDATE (last_seq) ON boards TO tack_relay;
GRANT UPDATE (uses) ON board_invites TO tack_relay;
GRANT SELECT, INSERT, UPDATE, DELETE ON board_members TO tack_relay;
