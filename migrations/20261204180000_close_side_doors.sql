-- Closing PostgreSQL's side doors around row-level security (issue 15, DESIGN.md §4 "Trust
-- boundary"). Any role that may log in to this database can LISTEN and NOTIFY on any channel
-- and, by default, call any function and create temporary tables. So:
-- * relays announce commits and presence to each other authenticated with a secret that only
--   the relay's role can read (`tack_cluster_secret`, below; see sync-server/src/cluster.rs);
-- * the SECURITY DEFINER functions pin their search_path (pg_temp last, so a temporary table
--   cannot shadow `board_members` or `board_invites`), name their tables with their schema and
--   may be called only by the relay's role;
-- * PUBLIC loses CONNECT and TEMPORARY on this database when the migrating role owns it.

-- The relays' shared secret: one row of 32 random bytes, written by the first relay that
-- starts (from its operating system's random source) and read by every relay. Only the relay's
-- role may read it; the keys that authenticate and seal messages between relays derive from
-- it. Delete the row and restart every relay to rotate it.
CREATE TABLE tack_cluster_secret (
    id         BOOLEAN PRIMARY KEY DEFAULT true CHECK (id),
    secret     BYTEA NOT NULL CHECK (length(secret) = 32),
    created_at BIGINT NOT NULL
);
REVOKE ALL ON tack_cluster_secret FROM PUBLIC;
GRANT SELECT, INSERT ON tack_cluster_secret TO tack_relay;

-- The SECURITY DEFINER functions of 20261122160000, same signatures and bodies, with every
-- name qualified and the search_path pinned (CREATE OR REPLACE keeps their owner, and the
-- policies that use them). `tack_current_user` and the trigger functions run as their caller
-- and name only built-ins (pg_catalog is searched first), so they stay as they are: a SET
-- clause would stop the planner inlining `tack_current_user` into every policy check.
CREATE OR REPLACE FUNCTION public.tack_board_role(board TEXT) RETURNS TEXT
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT m.role FROM public.board_members m
     WHERE m.board_id = board AND m.user_id = public.tack_current_user()
$$;

CREATE OR REPLACE FUNCTION public.tack_board_unclaimed(board TEXT) RETURNS BOOLEAN
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT NOT EXISTS (SELECT 1 FROM public.board_members m WHERE m.board_id = board) $$;

CREATE OR REPLACE FUNCTION public.tack_accept_invite(invite_hash BYTEA, now_secs BIGINT)
RETURNS TABLE (board_id TEXT, role TEXT)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    acting TEXT := public.tack_current_user();
    invite public.board_invites%ROWTYPE;
BEGIN
    IF acting IS NULL THEN
        RETURN;
    END IF;
    SELECT * INTO invite FROM public.board_invites i
     WHERE i.token_hash = invite_hash AND i.expires_at > now_secs AND i.uses < i.max_uses
     FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    UPDATE public.board_invites SET uses = uses + 1 WHERE id = invite.id;
    INSERT INTO public.board_members AS m (board_id, user_id, role)
    VALUES (invite.board_id, acting, invite.role)
    ON CONFLICT ON CONSTRAINT board_members_pkey DO UPDATE
       SET role = CASE WHEN m.role = 'viewer' THEN excluded.role ELSE m.role END;
    RETURN QUERY
        SELECT m.board_id, m.role FROM public.board_members m
         WHERE m.board_id = invite.board_id AND m.user_id = acting;
END
$$;

-- Only the relay's role calls them (row-level security policies run as the querying role; the
-- owner keeps EXECUTE on what it owns). Triggers need no EXECUTE to fire.
REVOKE EXECUTE ON FUNCTION
    public.tack_current_user(),
    public.tack_board_role(TEXT),
    public.tack_board_unclaimed(TEXT),
    public.tack_accept_invite(BYTEA, BIGINT),
    public.tack_notify_membership(),
    public.tack_notify_session_ended()
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    public.tack_current_user(),
    public.tack_board_role(TEXT),
    public.tack_board_unclaimed(TEXT),
    public.tack_accept_invite(BYTEA, BIGINT)
TO tack_relay;
-- Functions this role creates later are not callable by PUBLIC either.
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- The database itself: no CONNECT and no TEMPORARY for PUBLIC, CONNECT for the relay's role
-- (its login roles inherit it). Only the database's owner (or a superuser) may change these;
-- a migrating role that is neither leaves them to the operator (deploy/README.md). Running it
-- again changes nothing.
DO $$
DECLARE
    database_owner OID;
BEGIN
    SELECT datdba INTO database_owner FROM pg_catalog.pg_database
     WHERE datname = pg_catalog.current_database();
    IF pg_catalog.pg_has_role(current_user, database_owner, 'USAGE')
       OR (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        EXECUTE pg_catalog.format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC',
                                  pg_catalog.current_database());
        EXECUTE pg_catalog.format('GRANT CONNECT ON DATABASE %I TO tack_relay',
                                  pg_catalog.current_database());
    ELSE
        RAISE NOTICE 'not the owner of database %: revoke CONNECT and TEMPORARY from PUBLIC '
                     'yourself (deploy/README.md)', pg_catalog.current_database();
    END IF;
    -- Before PostgreSQL 15 PUBLIC may also create objects in the public schema.
    BEGIN
        REVOKE CREATE ON SCHEMA public FROM PUBLIC;
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE 'not the owner of schema public: revoke CREATE from PUBLIC yourself';
    END;
END
$$;
