//! The filter grammar (DESIGN §1 "Filters"): one source for the board filter, `tackctl board
//! show --filter`, `tackctl search` and the desktop's search.
//!
//! A query is terms joined by AND: free words and `"quoted phrases"`, `label:X`, `@person`,
//! `@me`, `is:overdue|unassigned|archived`, `due:<7d|>7d|today|none|<2026-12-05|...`,
//! `has:attachment|checklist|due|comment`, each of them negated by a leading `-`. Parsing never
//! fails: what it cannot read is left out of the query and explained ([`QueryError`], with the
//! byte span it covers). Matching needs "now" and who "me" is as arguments: this crate has no
//! clock and no directory.

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime};
use serde::Serialize;

use crate::due::Due;

/// The longest query read; the rest is ignored (and explained).
pub const MAX_QUERY_BYTES: usize = 1_000;
/// At most this many terms are kept.
pub const MAX_TERMS: usize = 32;

/// A parsed query: every term must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pub terms: Vec<Term>,
}

/// One condition, possibly negated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub negated: bool,
    pub kind: TermKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TermKind {
    /// Words that must each start a word of the task's text, in order and adjacent (a phrase
    /// has several, a bare word one). Lower case.
    Text {
        words: Vec<String>,
    },
    /// A label name, lower case, matched whole.
    Label {
        name: String,
    },
    /// `@me`.
    Me,
    /// `@person`: a member id, or the start of a member's name or email, lower case.
    Person {
        name: String,
    },
    Is {
        state: IsState,
    },
    Due {
        range: DueRange,
    },
    Has {
        part: HasPart,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsState {
    Overdue,
    Unassigned,
    Archived,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HasPart {
    Attachment,
    Checklist,
    Due,
    Comment,
}

/// When a task is due, relative to now or to a calendar day (read in "now"'s offset).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueRange {
    /// Its deadline is before now + `minutes` (overdue ones included).
    Within { minutes: i64 },
    /// Its deadline is after now + `minutes`.
    After { minutes: i64 },
    /// Its deadline falls on that day (`days` from today; 0 is today).
    OnDay { days: i64 },
    /// Its deadline is before the start of the day after `date` (`date:<` is "by then").
    ByDate { date: chrono::NaiveDate },
    /// Its deadline is after that day.
    AfterDate { date: chrono::NaiveDate },
    /// Its deadline falls on that day.
    OnDate { date: chrono::NaiveDate },
    /// No due at all.
    None,
}

/// Something in the query that was not understood, and was left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QueryError {
    /// Byte offsets into the query text (on character boundaries).
    pub start: usize,
    pub end: usize,
    pub message: String,
}

/// What [`parse`] gives: the query it could read, and what it could not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub query: Query,
    pub errors: Vec<QueryError>,
}

const KEYS: [&str; 4] = ["label", "is", "due", "has"];
const IS_VALUES: [&str; 3] = ["overdue", "unassigned", "archived"];
const HAS_VALUES: [&str; 4] = ["attachment", "checklist", "due", "comment"];

/// Splits text into lower-case words the way the store's full-text index does (SQLite FTS5
/// `unicode61`): runs of letters and digits.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// Reads a query. Never fails: see [`Parsed::errors`].
pub fn parse(input: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut text = input;
    if text.len() > MAX_QUERY_BYTES {
        let mut cut = MAX_QUERY_BYTES;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        parsed.errors.push(QueryError {
            start: cut,
            end: input.len(),
            message: format!(
                "the query is longer than {MAX_QUERY_BYTES} bytes; the rest is ignored"
            ),
        });
        text = &text[..cut];
    }
    for (start, end) in tokens(text) {
        let token = &text[start..end];
        if parsed.query.terms.len() >= MAX_TERMS {
            parsed.errors.push(QueryError {
                start,
                end: text.len(),
                message: format!("more than {MAX_TERMS} terms; the rest is ignored"),
            });
            break;
        }
        match read_term(token) {
            Ok(Some(term)) => parsed.query.terms.push(term),
            Ok(None) => {}
            Err(message) => parsed.errors.push(QueryError {
                start,
                end,
                message,
            }),
        }
    }
    parsed
}

/// Byte spans of the whitespace-separated tokens; a `"` opens a phrase that runs to the next
/// `"` (or the end), spaces included.
fn tokens(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start: Option<usize> = None;
    let mut quoted = false;
    for (at, c) in text.char_indices() {
        if c == '"' {
            quoted = !quoted;
            start.get_or_insert(at);
        } else if c.is_whitespace() && !quoted {
            if let Some(s) = start.take() {
                spans.push((s, at));
            }
        } else {
            start.get_or_insert(at);
        }
    }
    if let Some(s) = start {
        spans.push((s, text.len()));
    }
    spans
}

fn unquote(value: &str) -> String {
    value.replace('"', "")
}

fn read_term(token: &str) -> Result<Option<Term>, String> {
    let (negated, body) = match token.strip_prefix('-') {
        Some(rest) if !rest.is_empty() => (true, rest),
        _ => (false, token),
    };
    let term = |kind| Ok(Some(Term { negated, kind }));
    if let Some(person) = body.strip_prefix('@') {
        let person = unquote(person).trim().to_lowercase();
        return match person.as_str() {
            "" => Err("`@` needs a name: `@ana`, or `@me`".to_owned()),
            "me" => term(TermKind::Me),
            _ => term(TermKind::Person { name: person }),
        };
    }
    if let Some((key, value)) = body.split_once(':') {
        if !key.contains('"') && !key.is_empty() && key.chars().all(char::is_alphabetic) {
            let key = key.to_lowercase();
            let value = unquote(value);
            return match key.as_str() {
                "label" => {
                    let name = value.trim().to_lowercase();
                    if name.is_empty() {
                        Err("`label:` needs a label name: `label:bug`".to_owned())
                    } else {
                        term(TermKind::Label { name })
                    }
                }
                "is" => match value.to_lowercase().as_str() {
                    "overdue" => term(TermKind::Is {
                        state: IsState::Overdue,
                    }),
                    "unassigned" => term(TermKind::Is {
                        state: IsState::Unassigned,
                    }),
                    "archived" => term(TermKind::Is {
                        state: IsState::Archived,
                    }),
                    other => Err(unknown_value("is", other, &IS_VALUES)),
                },
                "has" => match value.to_lowercase().as_str() {
                    "attachment" | "attachments" => term(TermKind::Has {
                        part: HasPart::Attachment,
                    }),
                    "checklist" => term(TermKind::Has {
                        part: HasPart::Checklist,
                    }),
                    "due" => term(TermKind::Has { part: HasPart::Due }),
                    "comment" | "comments" => term(TermKind::Has {
                        part: HasPart::Comment,
                    }),
                    other => Err(unknown_value("has", other, &HAS_VALUES)),
                },
                "due" => read_due(&value.to_lowercase()).map(|range| {
                    Some(Term {
                        negated,
                        kind: TermKind::Due { range },
                    })
                }),
                _ => Err(unknown_key(&key)),
            };
        }
    }
    let words: Vec<String> = words(body).collect();
    if words.is_empty() {
        // Punctuation alone matches everything; nothing to explain.
        return Ok(None);
    }
    term(TermKind::Text { words })
}

fn unknown_key(key: &str) -> String {
    match closest(key, &KEYS) {
        Some(near) => format!("unknown key `{key}:` — did you mean `{near}:`?"),
        None => format!(
            "unknown key `{key}:` (keys: {}); the term is ignored",
            KEYS.map(|k| format!("`{k}:`")).join(", ")
        ),
    }
}

fn unknown_value(key: &str, value: &str, known: &[&str]) -> String {
    let listed = known
        .iter()
        .map(|v| format!("`{key}:{v}`"))
        .collect::<Vec<_>>()
        .join(", ");
    match closest(value, known) {
        Some(near) if !value.is_empty() => {
            format!("unknown `{key}:{value}` — did you mean `{key}:{near}`?")
        }
        _ => format!("unknown `{key}:{value}` (one of {listed})"),
    }
}

/// The known word at edit distance ≤ 2 from `word`, if one is.
fn closest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    let word = word.to_lowercase();
    known
        .iter()
        .map(|k| (edit_distance(&word, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().take(64).enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = if ca == *cb {
                previous
            } else {
                1 + previous.min(row[j]).min(current)
            };
            previous = current;
        }
    }
    row[b.len()]
}

const DUE_HELP: &str =
    "expected `due:<7d`, `due:>2w`, `due:today`, `due:tomorrow`, `due:none` or `due:<2026-12-31`";

fn read_due(value: &str) -> Result<DueRange, String> {
    match value {
        "today" => return Ok(DueRange::OnDay { days: 0 }),
        "tomorrow" => return Ok(DueRange::OnDay { days: 1 }),
        "none" => return Ok(DueRange::None),
        "overdue" => return Ok(DueRange::Within { minutes: 0 }),
        _ => {}
    }
    let (before, rest) = match value.as_bytes().first() {
        Some(b'<') => (Some(true), &value[1..]),
        Some(b'>') => (Some(false), &value[1..]),
        _ => (None, value),
    };
    if let Ok(Due::Date(date)) = Due::parse(rest) {
        return Ok(match before {
            Some(true) => DueRange::ByDate { date },
            Some(false) => DueRange::AfterDate { date },
            None => DueRange::OnDate { date },
        });
    }
    let Some(before) = before else {
        return Err(format!("unknown `due:{value}`: {DUE_HELP}"));
    };
    let unit_at = rest.len().saturating_sub(1);
    let (count, unit) = (rest.get(..unit_at), rest.get(unit_at..));
    let minutes_per = match unit {
        Some("h") => 60,
        Some("d") => 24 * 60,
        Some("w") => 7 * 24 * 60,
        _ => return Err(format!("unknown `due:{value}`: {DUE_HELP}")),
    };
    let count: i64 = count
        .filter(|c| !c.is_empty() && c.len() <= 5 && c.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("unknown `due:{value}`: {DUE_HELP}"))?;
    let minutes = count * minutes_per;
    Ok(if before {
        DueRange::Within { minutes }
    } else {
        DueRange::After { minutes }
    })
}

/// What a query is matched against: one task as the read model and the store's index know it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TaskFacts {
    pub title: String,
    pub description: String,
    /// Live comments' bodies, one a line.
    pub comments: String,
    /// Checklist items' texts, one a line.
    pub checklist: String,
    /// Label names.
    pub labels: Vec<String>,
    /// Member ids (or, on older boards, typed names).
    pub assignees: Vec<String>,
    /// The assignees' names and emails, one a line (what free text finds people by).
    pub people: String,
    pub due: Option<String>,
    pub archived: bool,
    pub checklist_items: u32,
    pub comment_count: u32,
    pub attachment_count: u32,
}

impl TaskFacts {
    /// Label names, one a line (the full-text column).
    pub fn labels_text(&self) -> String {
        self.labels.join("\n")
    }
}

/// What matching needs besides the task.
pub struct MatchContext<'a> {
    /// The reader's time and offset: a due date ends at midnight there.
    pub now: DateTime<FixedOffset>,
    /// The reader's member id, for `@me`.
    pub me: Option<&'a str>,
    /// Names and emails of a member id (empty for a typed name matching no member).
    pub names_of: &'a dyn Fn(&str) -> Vec<String>,
    /// Free words were matched already (by the store's full-text index): skip them here.
    pub text_matched: bool,
}

impl Query {
    /// Whether the query asks for archived tasks (`is:archived`): they are left out otherwise.
    pub fn wants_archived(&self) -> bool {
        self.terms.iter().any(|t| {
            !t.negated
                && t.kind
                    == TermKind::Is {
                        state: IsState::Archived,
                    }
        })
    }

    /// Whether the query has free words (which the store's full-text index answers).
    pub fn has_text(&self) -> bool {
        self.terms
            .iter()
            .any(|t| matches!(t.kind, TermKind::Text { .. }))
    }

    /// Every lower-case word of the free text, for highlighting.
    pub fn text_words(&self) -> Vec<String> {
        self.terms
            .iter()
            .filter(|t| !t.negated)
            .filter_map(|t| match &t.kind {
                TermKind::Text { words } => Some(words.iter().cloned()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    /// Whether a task matches every term.
    pub fn matches(&self, task: &TaskFacts, context: &MatchContext<'_>) -> bool {
        self.terms
            .iter()
            .all(|term| term_matches(term, task, context))
    }
}

fn term_matches(term: &Term, task: &TaskFacts, context: &MatchContext<'_>) -> bool {
    if context.text_matched && matches!(term.kind, TermKind::Text { .. }) {
        return true;
    }
    let found = match &term.kind {
        TermKind::Text { words } => {
            let labels = task.labels_text();
            [
                task.title.as_str(),
                &task.description,
                &task.comments,
                &task.checklist,
                &labels,
                &task.people,
            ]
            .iter()
            .any(|text| phrase_in(words, text))
        }
        TermKind::Label { name } => task.labels.iter().any(|l| l.to_lowercase() == *name),
        TermKind::Me => context
            .me
            .is_some_and(|me| task.assignees.iter().any(|a| a == me)),
        TermKind::Person { name } => task.assignees.iter().any(|id| {
            id.to_lowercase().starts_with(name.as_str())
                || (context.names_of)(id)
                    .iter()
                    .any(|n| n.to_lowercase().starts_with(name.as_str()))
        }),
        TermKind::Is { state } => match state {
            IsState::Archived => task.archived,
            IsState::Unassigned => task.assignees.is_empty(),
            IsState::Overdue => deadline(task, context).is_some_and(|d| d < context.now),
        },
        TermKind::Has { part } => match part {
            HasPart::Attachment => task.attachment_count > 0,
            HasPart::Checklist => task.checklist_items > 0,
            HasPart::Due => task.due.is_some(),
            HasPart::Comment => task.comment_count > 0,
        },
        TermKind::Due { range } => due_in(*range, task, context),
    };
    found != term.negated
}

/// Whether `words` appear as adjacent words of `text`, each a prefix of the word it meets.
pub fn phrase_in(words: &[String], text: &str) -> bool {
    if words.is_empty() {
        return true;
    }
    let have: Vec<String> = self::words(text).collect();
    have.windows(words.len()).any(|window| {
        window
            .iter()
            .zip(words)
            .all(|(h, w)| h.starts_with(w.as_str()))
    })
}

/// A task's deadline read in the context's offset; `None` without a (readable) due.
fn deadline(task: &TaskFacts, context: &MatchContext<'_>) -> Option<DateTime<FixedOffset>> {
    let due = Due::parse(task.due.as_deref()?).ok()?;
    let offset = *context.now.offset();
    Some(due.deadline(|_: NaiveDateTime| offset))
}

fn due_in(range: DueRange, task: &TaskFacts, context: &MatchContext<'_>) -> bool {
    if range == DueRange::None {
        return task.due.is_none();
    }
    let Some(deadline) = deadline(task, context) else {
        return false;
    };
    let now = context.now;
    let offset = *now.offset();
    // A deadline at midnight belongs to the day before it (a date's deadline is the midnight
    // after it).
    let day_of = |at: DateTime<FixedOffset>| {
        (at.with_timezone(&offset) - Duration::nanoseconds(1)).date_naive()
    };
    match range {
        DueRange::Within { minutes } => deadline <= now + Duration::minutes(minutes),
        DueRange::After { minutes } => deadline > now + Duration::minutes(minutes),
        DueRange::OnDay { days } => day_of(deadline) == now.date_naive() + Duration::days(days),
        DueRange::ByDate { date } => day_of(deadline) <= date,
        DueRange::AfterDate { date } => day_of(deadline) > date,
        DueRange::OnDate { date } => day_of(deadline) == date,
        DueRange::None => false,
    }
}

impl TaskFacts {
    /// The facts of a task of `board` (its labels named from the catalogue, its live comments,
    /// its attachments counted); `people` gives the names and emails of a member id.
    pub fn of_task(
        board: &crate::Board,
        task: &crate::TaskView,
        labels: &[crate::LabelView],
        people: &dyn Fn(&str) -> Vec<String>,
    ) -> TaskFacts {
        let comments: Vec<String> = if task.comment_count > 0 {
            board
                .comments(&task.id)
                .into_iter()
                .map(|c| c.body)
                .collect()
        } else {
            Vec::new()
        };
        let mut label_names: Vec<String> = task
            .labels
            .iter()
            .filter_map(|id| labels.iter().find(|l| &l.id == id))
            .map(|l| l.name.clone())
            .collect();
        label_names.sort();
        let people_text: Vec<String> = task.assignees.iter().flat_map(|a| people(a)).collect();
        TaskFacts {
            title: task.title.clone(),
            description: task.description.clone(),
            comment_count: u32::try_from(comments.len()).unwrap_or(u32::MAX),
            comments: comments.join("\n"),
            checklist: task
                .checklist
                .iter()
                .map(|i| i.text.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            checklist_items: u32::try_from(task.checklist.len()).unwrap_or(u32::MAX),
            labels: label_names,
            assignees: task.assignees.clone(),
            people: people_text.join("\n"),
            due: task.due.clone(),
            archived: task.archived,
            attachment_count: board.attachment_count(&task.id),
        }
    }
}

/// `view` with only the tasks of `board` that match `query` (columns stay, empty or not).
pub fn filter_view(
    board: &crate::Board,
    mut view: crate::BoardView,
    query: &Query,
    context: &MatchContext<'_>,
) -> crate::BoardView {
    if query.terms.is_empty() {
        return view;
    }
    let labels = view.labels.clone();
    for column in &mut view.columns {
        column.tasks.retain(|task| {
            let facts = TaskFacts::of_task(board, task, &labels, context.names_of);
            query.matches(&facts, context)
        });
    }
    view
}
