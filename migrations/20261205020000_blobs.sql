-- Attachments' bytes (DESIGN.md §4 "Blobs"): `blobs` is the relay's bookkeeping of every blob
-- a board holds (size for the quota, when it was stored and last found named by a task's
-- `attachments`, for collection); `blob_chunks` holds the bytes themselves when the relay's
-- blob store is PostgreSQL (`--blob-store postgres`), 1 MiB per row. Both go with their board.
CREATE TABLE blobs (
    board_id           TEXT   NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    sha256             TEXT   NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size               BIGINT NOT NULL CHECK (size >= 0),
    created_ms         BIGINT NOT NULL,
    last_referenced_ms BIGINT NOT NULL,
    PRIMARY KEY (board_id, sha256)
);

CREATE TABLE blob_chunks (
    board_id TEXT    NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    sha256   TEXT    NOT NULL,
    n        INTEGER NOT NULL CHECK (n >= 0),
    bytes    BYTEA   NOT NULL,
    PRIMARY KEY (board_id, sha256, n)
);

ALTER TABLE blobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE blobs FORCE ROW LEVEL SECURITY;
ALTER TABLE blob_chunks ENABLE ROW LEVEL SECURITY;
ALTER TABLE blob_chunks FORCE ROW LEVEL SECURITY;

-- Members read; owners and editors store and remove. Collection (no acting user is a member
-- of every board) goes through tack_collect_blobs below.
CREATE POLICY blobs_select ON blobs FOR SELECT TO tack_relay
    USING (public.tack_board_role(board_id) IS NOT NULL);
CREATE POLICY blobs_insert ON blobs FOR INSERT TO tack_relay
    WITH CHECK (public.tack_board_role(board_id) IN ('owner', 'editor'));
CREATE POLICY blobs_update ON blobs FOR UPDATE TO tack_relay
    USING (public.tack_board_role(board_id) IN ('owner', 'editor'))
    WITH CHECK (public.tack_board_role(board_id) IN ('owner', 'editor'));
CREATE POLICY blobs_delete ON blobs FOR DELETE TO tack_relay
    USING (public.tack_board_role(board_id) IN ('owner', 'editor'));
CREATE POLICY chunks_select ON blob_chunks FOR SELECT TO tack_relay
    USING (public.tack_board_role(board_id) IS NOT NULL);
CREATE POLICY chunks_insert ON blob_chunks FOR INSERT TO tack_relay
    WITH CHECK (public.tack_board_role(board_id) IN ('owner', 'editor'));
CREATE POLICY chunks_delete ON blob_chunks FOR DELETE TO tack_relay
    USING (public.tack_board_role(board_id) IN ('owner', 'editor'));

DO $$
BEGIN
    EXECUTE format('CREATE POLICY owner_blobs ON blobs FOR ALL TO %I '
                   'USING (true) WITH CHECK (true)', current_user);
    EXECUTE format('CREATE POLICY owner_blob_chunks ON blob_chunks FOR ALL TO %I '
                   'USING (true) WITH CHECK (true)', current_user);
END
$$;

-- Collection: the blobs of every board, for the relay's collector to check against each
-- board's document (no acting user is a member of all of them). Returns the board, hash and
-- when each blob was stored or last found referenced.
CREATE FUNCTION public.tack_list_blobs()
RETURNS TABLE (board_id TEXT, sha256 TEXT, last_referenced_ms BIGINT)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT b.board_id, b.sha256, b.last_referenced_ms FROM public.blobs b $$;
REVOKE EXECUTE ON FUNCTION public.tack_list_blobs() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.tack_list_blobs() TO tack_relay;

-- Marks a blob referenced now (the collector found a task naming it).
CREATE FUNCTION public.tack_touch_blob(board TEXT, hash TEXT, now_ms BIGINT)
RETURNS VOID
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
    UPDATE public.blobs b SET last_referenced_ms = now_ms
     WHERE b.board_id = board AND b.sha256 = hash
$$;
REVOKE EXECUTE ON FUNCTION public.tack_touch_blob(TEXT, TEXT, BIGINT) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.tack_touch_blob(TEXT, TEXT, BIGINT) TO tack_relay;

-- Forgets a blob not referenced since `before_ms` (its bytes too, when they are in
-- blob_chunks); true when it did.
CREATE FUNCTION public.tack_collect_blob(board TEXT, hash TEXT, before_ms BIGINT)
RETURNS BOOLEAN
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    DELETE FROM public.blobs b
     WHERE b.board_id = board AND b.sha256 = hash AND b.last_referenced_ms < before_ms;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    DELETE FROM public.blob_chunks c WHERE c.board_id = board AND c.sha256 = hash;
    RETURN true;
END
$$;
REVOKE EXECUTE ON FUNCTION public.tack_collect_blob(TEXT, TEXT, BIGINT) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.tack_collect_blob(TEXT, TEXT, BIGINT) TO tack_relay;

-- A member as whom the collector reads a board's document under row-level security (an owner
-- when there is one), NULL for a board without members.
CREATE FUNCTION public.tack_blob_reader(board TEXT)
RETURNS TEXT
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT m.user_id FROM public.board_members m WHERE m.board_id = board
     ORDER BY (m.role = 'owner') DESC, m.user_id LIMIT 1
$$;
REVOKE EXECUTE ON FUNCTION public.tack_blob_reader(TEXT) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.tack_blob_reader(TEXT) TO tack_relay;

GRANT SELECT, INSERT, UPDATE, DELETE ON blobs TO tack_relay;
GRANT SELECT, INSERT, DELETE ON blob_chunks TO tack_relay;
