//! The computer's clock and time zone, which `board-model` never reads itself: what a person
//! types into a due field is read here against their local time.

use board_model::{parse_due_input, Due, ModelError};
use chrono::{FixedOffset, Local, NaiveDateTime, Offset, TimeZone};

/// The local UTC offset at a wall-clock time. A time skipped by a daylight-saving jump gets
/// the offset before the jump; a repeated one the earlier of the two.
pub fn local_offset_at(local: NaiveDateTime) -> FixedOffset {
    Local
        .offset_from_local_datetime(&local)
        .earliest()
        .map(|offset| offset.fix())
        .unwrap_or_else(|| Local.offset_from_utc_datetime(&local).fix())
}

/// What was typed into a due field (`tomorrow`, `fri 15:00`, `+3d`, an ISO date, …; see
/// [`parse_due_input`]), read against the local clock: the value to store.
pub fn typed_due(text: &str) -> Result<String, ModelError> {
    let now = Local::now().fixed_offset();
    parse_due_input(text, now, local_offset_at).map(|due: Due| due.to_stored())
}
