-- Per-task history (DESIGN.md "History", §4): one row per task field or comment an update
-- changed, named by the author the relay authenticated when it committed the update (never a
-- name from the document). Compaction of board_updates never touches it; rows older than the
-- relay's retention (`--history-days`) are pruned by `tack_prune_task_changes`.
CREATE TABLE task_changes (
    board_id  TEXT    NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    seq       BIGINT  NOT NULL,   -- the board_updates seq of the update that made the change
    n         INTEGER NOT NULL,   -- its place among that update's changes
    task_id   TEXT    NOT NULL,
    field     TEXT    NOT NULL,   -- board_model::HistoryField
    value     TEXT    NOT NULL,   -- JSON (board_model::FieldValue), texts cut at 16 KiB
    truncated BOOLEAN NOT NULL DEFAULT false,
    author_id TEXT    REFERENCES users (id) ON DELETE SET NULL,
    at_ms     BIGINT  NOT NULL,   -- when the relay committed it
    PRIMARY KEY (board_id, seq, n)
);
CREATE INDEX task_changes_by_task ON task_changes (board_id, task_id, seq, n);
CREATE INDEX task_changes_by_time ON task_changes (at_ms);

ALTER TABLE task_changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE task_changes FORCE ROW LEVEL SECURITY;

-- Members read; a row may be inserted only by its author, who must be able to write the board
-- (as for board_updates). No UPDATE; DELETE only through the pruning function below.
CREATE POLICY changes_select ON task_changes FOR SELECT TO tack_relay
    USING (public.tack_board_role(board_id) IS NOT NULL);
CREATE POLICY changes_insert ON task_changes FOR INSERT TO tack_relay
    WITH CHECK (author_id = public.tack_current_user()
                AND public.tack_board_role(board_id) IN ('owner', 'editor'));

DO $$
BEGIN
    EXECUTE format('CREATE POLICY owner_changes ON task_changes FOR ALL TO %I '
                   'USING (true) WITH CHECK (true)', current_user);
END
$$;

-- Retention: deletes at most `max_rows` rows committed before `before_ms`, oldest first, on
-- every board (no acting user is a member of all of them); returns how many it deleted.
CREATE FUNCTION public.tack_prune_task_changes(before_ms BIGINT, max_rows INTEGER)
RETURNS BIGINT
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
    WITH doomed AS (
        SELECT c.board_id, c.seq, c.n FROM public.task_changes c
         WHERE c.at_ms < before_ms ORDER BY c.at_ms LIMIT max_rows
    ), gone AS (
        DELETE FROM public.task_changes c USING doomed d
         WHERE c.board_id = d.board_id AND c.seq = d.seq AND c.n = d.n
        RETURNING 1
    )
    SELECT count(*) FROM gone
$$;
REVOKE EXECUTE ON FUNCTION public.tack_prune_task_changes(BIGINT, INTEGER) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.tack_prune_task_changes(BIGINT, INTEGER) TO tack_relay;

GRANT SELECT, INSERT ON task_changes TO tack_relay;
