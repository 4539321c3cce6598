-- A deleted session (logout, a revoked session) tells every relay at once, on the same
-- channel as membership changes: payload `*` TAB `user_id`, where `*` stands for "every board
-- of this user". Each relay's connections then check the tokens behind that user's channels
-- again, and close those whose session is gone.
CREATE FUNCTION tack_notify_session_ended() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM pg_notify('tack_membership', '*' || chr(9) || OLD.user_id);
    RETURN NULL;
END
$$;
CREATE TRIGGER sessions_ended
    AFTER DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION tack_notify_session_ended();
