-- What the page behind an invite link shows (GET /invite/{token}): the board, the role offered,
-- who invited and until when, for an invite still usable at `now_secs`. The relay's role cannot
-- see invites under row-level security (only a board's owners can), and nobody is acting when
-- a browser opens the link, so this is a SECURITY DEFINER function like tack_accept_invite:
-- search_path pinned, tables qualified, executable by tack_relay only.
CREATE FUNCTION public.tack_invite_preview(invite_hash BYTEA, now_secs BIGINT)
RETURNS TABLE (board_id TEXT, role TEXT, inviter_id TEXT, inviter_email TEXT, expires_at BIGINT)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT i.board_id, i.role, i.created_by, u.email, i.expires_at
      FROM public.board_invites i
      JOIN public.users u ON u.id = i.created_by
     WHERE i.token_hash = invite_hash AND i.expires_at > now_secs AND i.uses < i.max_uses
$$;

REVOKE EXECUTE ON FUNCTION public.tack_invite_preview(BYTEA, BIGINT) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.tack_invite_preview(BYTEA, BIGINT) TO tack_relay;
