//! The task index (DESIGN §2 "Task index"): one row per task of every board plus its full text
//! (SQLite FTS5), kept in step with the stored log in the same transaction that stores an
//! update, and rebuilt from the document for any board it is stale for. It answers search
//! across boards ([`Store::search`]) and "My tasks" ([`Store::my_tasks`]) without loading
//! boards. Matching is `board_model::query`'s: the index narrows, the grammar decides.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use board_model::query::{self, MatchContext, Query, TaskFacts, TermKind};
use board_model::{Board, ChangeSet, ReplicaConfig};
use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;

use crate::{display_name, Seq, Store, StoreError};

/// The format of the index's rows; a store whose rows were written by another format rebuilds
/// them.
pub const INDEX_VERSION: i64 = 1;

/// Past this many tasks changed at once, a delta rewrites the whole board instead.
const WHOLE_BOARD_AFTER: usize = 5_000;

/// One task as the index stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexRow {
    pub task_id: String,
    /// The column the task is shown in (the first live one when its own was deleted).
    pub column_id: String,
    pub column_title: String,
    pub rank: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// Everything a query matches; `people` is filled from the member directory when stored.
    pub facts: TaskFacts,
}

/// What a stored update changes in the index, computed from the replica that made or applied
/// it (see [`IndexDelta::of_changes`]).
#[derive(Debug, Clone)]
pub struct IndexDelta {
    board_title: String,
    /// What the replica that computed it had integrated (`Board::seen`).
    seen: Vec<u8>,
    /// The rows are every task of the board: replace them all.
    whole_board: bool,
    /// The replica is the whole stored board (just created, fetched or loaded from the
    /// store): its rows count even when the index was stale or missing before.
    complete: bool,
    rows: Vec<IndexRow>,
    removed: Vec<String>,
}

impl IndexDelta {
    /// The rows of every task of `board`, a replica that holds exactly what the store holds
    /// (a board just created, fetched, or loaded from the store); its pending index changes
    /// are taken.
    pub fn whole(board: &mut Board) -> IndexDelta {
        board.take_index_changes();
        let rows = board_rows(board, None);
        IndexDelta {
            board_title: board.title(),
            seen: board.seen(),
            whole_board: true,
            complete: true,
            rows,
            removed: Vec::new(),
        }
    }

    /// What changed in `board` since its index changes were last taken (a column or the label
    /// catalogue changing rewrites every row: their titles show on many tasks).
    pub fn of_changes(board: &mut Board) -> IndexDelta {
        let changes: ChangeSet = board.take_index_changes();
        if changes.labels || !changes.columns.is_empty() || changes.tasks.len() > WHOLE_BOARD_AFTER
        {
            let rows = board_rows(board, None);
            return IndexDelta {
                board_title: board.title(),
                seen: board.seen(),
                whole_board: true,
                complete: false,
                rows,
                removed: Vec::new(),
            };
        }
        let rows = board_rows(board, Some(&changes.tasks));
        let present: BTreeSet<&str> = rows.iter().map(|r| r.task_id.as_str()).collect();
        let removed = changes
            .tasks
            .iter()
            .filter(|id| !present.contains(id.as_str()))
            .cloned()
            .collect();
        IndexDelta {
            board_title: board.title(),
            seen: board.seen(),
            whole_board: false,
            complete: false,
            rows,
            removed,
        }
    }
}

/// The index rows of `board`'s tasks (`only` those, when given), as a brute-force scan sees
/// them; `people` left empty (the store fills it from the member directory).
pub fn board_rows(board: &Board, only: Option<&BTreeSet<String>>) -> Vec<IndexRow> {
    let columns = board.columns();
    let labels = board.labels();
    let first_live = columns.iter().find(|c| !c.archived);
    let no_names = |_: &str| Vec::new();
    let ids: Vec<String> = match only {
        Some(ids) => ids.iter().cloned().collect(),
        None => board.task_ids(),
    };
    ids.iter()
        .filter_map(|id| board.task(id))
        .map(|task| {
            let home = columns.iter().find(|c| c.id == task.column).or(first_live);
            let facts = TaskFacts::of_task(board, &task, &labels, &no_names);
            IndexRow {
                column_id: home.map_or_else(|| task.column.clone(), |c| c.id.clone()),
                column_title: home.map(|c| c.title.clone()).unwrap_or_default(),
                rank: task.rank.clone(),
                created_at: task.created_at,
                updated_at: task.updated_at,
                task_id: task.id,
                facts,
            }
        })
        .collect()
}

/// The names a task's assignees are found by: each member's name and email from the board's
/// cached directory, or the key itself (a typed name of an older board, or me on a board never
/// shared).
fn people_text(conn: &Connection, board: &str, assignees: &[String]) -> rusqlite::Result<String> {
    let mut lookup =
        conn.prepare_cached("SELECT email FROM members WHERE board_id = ?1 AND user_id = ?2")?;
    let mut lines = Vec::new();
    for id in assignees {
        match lookup
            .query_row(params![board, id], |row| row.get::<_, String>(0))
            .optional()?
        {
            Some(email) => {
                lines.push(display_name(&email).to_owned());
                lines.push(email);
            }
            None => lines.push(id.clone()),
        }
    }
    Ok(lines.join("\n"))
}

fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
}

fn upsert_row(tx: &Transaction<'_>, board: &str, row: &IndexRow) -> Result<(), StoreError> {
    delete_row(tx, board, &row.task_id)?;
    let facts = &row.facts;
    let id: i64 = tx
        .prepare_cached(
            "INSERT INTO task_index (board_id, task_id, column_id, column_title, title, due,
                 archived, assignees, labels, checklist_items, comment_count, attachment_count,
                 created_at, updated_at, rank)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
             RETURNING id",
        )?
        .query_row(
            params![
                board,
                row.task_id,
                row.column_id,
                row.column_title,
                facts.title,
                facts.due,
                facts.archived,
                json_list(&facts.assignees),
                json_list(&facts.labels),
                facts.checklist_items,
                facts.comment_count,
                facts.attachment_count,
                row.created_at,
                row.updated_at,
                row.rank
            ],
            |r| r.get(0),
        )?;
    let people = people_text(tx, board, &facts.assignees)?;
    tx.prepare_cached(
        "INSERT INTO task_search (rowid, title, description, comments, checklist, labels, people)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        id,
        facts.title,
        facts.description,
        facts.comments,
        facts.checklist,
        facts.labels_text(),
        people
    ])?;
    let mut assign = tx.prepare_cached(
        "INSERT OR IGNORE INTO task_index_assignees (user_id, board_id, task_id) VALUES (?1, ?2, ?3)",
    )?;
    for user in &facts.assignees {
        assign.execute(params![user, board, row.task_id])?;
    }
    Ok(())
}

fn delete_row(tx: &Transaction<'_>, board: &str, task: &str) -> Result<(), StoreError> {
    // The text goes by trigger, the assignees by cascade.
    tx.prepare_cached("DELETE FROM task_index WHERE board_id = ?1 AND task_id = ?2")?
        .execute(params![board, task])?;
    Ok(())
}

/// Writes `delta` for `board`, whose log went from `prev_last_seq` to `new_last_seq` in this
/// transaction. A delta from a replica that may differ from the store (an open board, the sync
/// client's mirror) only counts when the index was fresh before and that replica had seen
/// everything the index had (every insertion and deletion); otherwise the board is left stale
/// (rebuilt from the store before the next answer).
pub(crate) fn write_delta(
    tx: &Transaction<'_>,
    board: &str,
    delta: &IndexDelta,
    prev_last_seq: Seq,
    new_last_seq: Seq,
) -> Result<(), StoreError> {
    if !delta.complete {
        let state: Option<(Seq, i64, Vec<u8>)> = tx
            .prepare_cached(
                "SELECT indexed_seq, version, seen FROM task_index_boards
                 WHERE board_id = ?1",
            )?
            .query_row([board], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let fresh = state.is_some_and(|(seq, version, seen)| {
            seq == prev_last_seq
                && version == INDEX_VERSION
                && board_model::seen_covers(&delta.seen, &seen)
        });
        if !fresh {
            return Ok(());
        }
    }
    if delta.whole_board {
        tx.prepare_cached("DELETE FROM task_index WHERE board_id = ?1")?
            .execute([board])?;
    }
    for task in &delta.removed {
        delete_row(tx, board, task)?;
    }
    for row in &delta.rows {
        upsert_row(tx, board, row)?;
    }
    tx.prepare_cached(
        "INSERT INTO task_index_boards (board_id, indexed_seq, version, seen, board_title)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (board_id) DO UPDATE SET indexed_seq = excluded.indexed_seq,
             version = excluded.version, seen = excluded.seen,
             board_title = excluded.board_title",
    )?
    .execute(params![
        board,
        new_last_seq,
        INDEX_VERSION,
        delta.seen,
        delta.board_title
    ])?;
    Ok(())
}

/// Rewrites the people text of a board's rows after its member directory changed.
pub(crate) fn refresh_people(tx: &Transaction<'_>, board: &str) -> Result<(), StoreError> {
    let rows: Vec<(i64, String)> = tx
        .prepare_cached(
            "SELECT id, assignees FROM task_index WHERE board_id = ?1 AND assignees <> '[]'",
        )?
        .query_map([board], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (id, assignees) in rows {
        let assignees: Vec<String> = serde_json::from_str(&assignees).unwrap_or_default();
        let people = people_text(tx, board, &assignees)?;
        tx.prepare_cached("UPDATE task_search SET people = ?2 WHERE rowid = ?1")?
            .execute(params![id, people])?;
    }
    Ok(())
}

/// A piece of shown text, marked when it is what the query matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TextPart {
    pub text: String,
    pub hit: bool,
}

/// A search scores at most this many of its matches, the most recently written: the best of
/// them come first, then older matches, newest first. Past it (a letter or two typed in a store
/// of 100,000 tasks), scoring every match was most of a keystroke's time.
pub const SCORED_AT_MOST: usize = 5_000;

/// Older matches past [`SCORED_AT_MOST`] are read this many at a time.
const UNSCORED_CHUNK: usize = 500;

/// Options of [`Store::search`].
#[derive(Debug, Clone)]
pub struct SearchOptions {
    /// Archived tasks too (`is:archived` in the query asks for them as well).
    pub include_archived: bool,
    /// At most this many hits.
    pub limit: usize,
    /// The reader's time and offset (`is:overdue`, `due:`).
    pub now: DateTime<FixedOffset>,
    /// The reader's member id (`@me`).
    pub me: Option<String>,
}

/// One task found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    pub board_id: String,
    pub board_title: String,
    pub task_id: String,
    pub column_id: String,
    pub column_title: String,
    pub title: String,
    /// The title in parts, the matched words marked.
    pub title_parts: Vec<TextPart>,
    /// Where else the words matched (description, comments, …), marked; empty when only the
    /// title matched or the query has no words.
    pub snippet: Vec<TextPart>,
    pub due: Option<String>,
    pub archived: bool,
    /// Lower is better (SQLite FTS5 bm25); 0 for queries without words, and for the older
    /// matches of a search past its scored ones ([`SCORED_AT_MOST`]).
    pub rank: f64,
}

/// What [`Store::search`] answers: the hits, and what the query could not read.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    pub errors: Vec<query::QueryError>,
}

/// What a board's filter shows ([`Store::filter_board`]): the tasks that match, the words to
/// mark on their cards, and what the query could not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct BoardFilter {
    /// False when the query has no term it could read: the board is shown whole.
    pub narrows: bool,
    /// The matching tasks (archived ones only for `is:archived`).
    pub tasks: TaskMatches,
    /// The free words, lower case, each the start of a word to mark.
    pub words: Vec<String>,
    pub errors: Vec<query::QueryError>,
}

/// Which of a board's tasks a filter matches, said the shorter way: typing the first letters
/// of a query matches most of a 10,000-task board, and its ids would cost the app's IPC more
/// than the filter itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum TaskMatches {
    /// These tasks' ids, in no order.
    Only(Vec<String>),
    /// Every task of the board but these (archived ones among them unless they match), in no
    /// order: said so when fewer tasks do not match than do.
    AllBut(Vec<String>),
}

impl TaskMatches {
    /// Whether the task `id` of the board is one of these.
    pub fn contains(&self, id: &str) -> bool {
        match self {
            TaskMatches::Only(ids) => ids.iter().any(|i| i == id),
            TaskMatches::AllBut(ids) => !ids.iter().any(|i| i == id),
        }
    }

    /// The matching tasks: those named, or `board_tasks` (the board's task ids, in their
    /// order) but those named.
    pub fn among<'a>(&'a self, board_tasks: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
        match self {
            TaskMatches::Only(ids) => ids.iter().map(String::as_str).collect(),
            TaskMatches::AllBut(ids) => {
                let except: HashSet<&str> = ids.iter().map(String::as_str).collect();
                board_tasks
                    .into_iter()
                    .filter(|id| !except.contains(id))
                    .collect()
            }
        }
    }
}

impl std::fmt::Display for TaskMatches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TaskMatches::Only(ids) => write!(f, "{} tasks", ids.len()),
            TaskMatches::AllBut(ids) => write!(f, "all but {} tasks", ids.len()),
        }
    }
}

/// When a task of "My tasks" is due, relative to today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum DueGroup {
    Overdue,
    Today,
    /// In the 6 days after today.
    ThisWeek,
    Later,
    NoDate,
}

/// A task assigned to me.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct MyTask {
    pub group: DueGroup,
    pub board_id: String,
    pub board_title: String,
    pub task_id: String,
    pub column_id: String,
    pub column_title: String,
    pub title: String,
    pub due: Option<String>,
    pub labels: Vec<String>,
}

/// An index row as read back for matching.
struct StoredRow {
    rowid: i64,
    board_id: String,
    board_title: String,
    task_id: String,
    column_id: String,
    column_title: String,
    facts: TaskFacts,
}

impl StoredRow {
    fn into_hit(self, title_parts: Vec<TextPart>, snippet: Vec<TextPart>, rank: f64) -> SearchHit {
        SearchHit {
            board_id: self.board_id,
            board_title: self.board_title,
            task_id: self.task_id,
            column_id: self.column_id,
            column_title: self.column_title,
            title: self.facts.title,
            title_parts,
            snippet,
            due: self.facts.due,
            archived: self.facts.archived,
            rank,
        }
    }
}

const ROW_COLUMNS: &str = "i.id, i.board_id, b.board_title, i.task_id, i.column_id,
    i.column_title, i.title, i.due, i.archived, i.assignees, i.labels, i.checklist_items,
    i.comment_count, i.attachment_count";

/// The facts `task_index` holds, read from `at` on: title, due, archived, assignees, labels,
/// checklist_items, comment_count, attachment_count (the text is in `task_search`).
fn facts_at(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<TaskFacts> {
    // Read in place; most rows' lists are empty, which needs no parse.
    let list = |at: usize| -> rusqlite::Result<Vec<String>> {
        let text = r.get_ref(at)?.as_str()?;
        Ok(if text == "[]" {
            Vec::new()
        } else {
            serde_json::from_str(text).unwrap_or_default()
        })
    };
    Ok(TaskFacts {
        title: r.get(at)?,
        due: r.get(at + 1)?,
        archived: r.get(at + 2)?,
        assignees: list(at + 3)?,
        labels: list(at + 4)?,
        checklist_items: r.get(at + 5)?,
        comment_count: r.get(at + 6)?,
        attachment_count: r.get(at + 7)?,
        ..TaskFacts::default()
    })
}

fn stored_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredRow> {
    Ok(StoredRow {
        rowid: r.get(0)?,
        board_id: r.get(1)?,
        board_title: r.get(2)?,
        task_id: r.get(3)?,
        column_id: r.get(4)?,
        column_title: r.get(5)?,
        facts: facts_at(r, 6)?,
    })
}

/// Names and emails of every member of every board, by id (for `@person`).
fn all_people(conn: &Connection) -> Result<HashMap<String, Vec<String>>, StoreError> {
    let mut people: HashMap<String, Vec<String>> = HashMap::new();
    let mut statement = conn.prepare_cached("SELECT DISTINCT user_id, email FROM members")?;
    let rows = statement.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))?;
    for row in rows {
        let (id, email): (String, String) = row?;
        let names = people.entry(id).or_default();
        names.push(display_name(&email).to_owned());
        names.push(email);
    }
    Ok(people)
}

/// How many free phrases' rows [`FilterCache`] keeps (the words of queries being typed).
const KEPT_PHRASES: usize = 32;

/// What [`Store::filter_board`] read of the board filtered last, kept while nothing is written
/// to the store (by this connection or another): typing a query then costs a full-text lookup
/// for the word being typed only, and one pass over the board's rows in memory. One board's
/// rows at most.
#[derive(Default)]
pub(crate) struct FilterCache {
    board: String,
    /// [`Store::stamp`] when this was read.
    stamp: (i64, u64),
    /// The board's rows, once read.
    rows: Option<Vec<FilterRow>>,
    /// The rows each free phrase (an FTS5 expression) found, the oldest asked first.
    phrases: Vec<(String, Arc<HashSet<i64>>)>,
}

/// One task of the board filtered, as its index row knows it.
struct FilterRow {
    rowid: i64,
    task_id: String,
    facts: TaskFacts,
}

impl FilterCache {
    /// The board's rows whose full text matches `phrase`.
    fn phrase_rows(
        &mut self,
        conn: &Connection,
        board: &str,
        phrase: &str,
    ) -> Result<Arc<HashSet<i64>>, StoreError> {
        if let Some(at) = self.phrases.iter().position(|(p, _)| p == phrase) {
            let kept = self.phrases.remove(at);
            let rows = Arc::clone(&kept.1);
            self.phrases.push(kept);
            return Ok(rows);
        }
        let rows: HashSet<i64> = conn
            .prepare_cached(
                "SELECT s.rowid FROM task_search s JOIN task_index i ON i.id = s.rowid
                 WHERE task_search MATCH ?1 AND i.board_id = ?2",
            )?
            .query_map(params![phrase, board], |r| r.get::<_, i64>(0))?
            .collect::<Result<_, _>>()?;
        let rows = Arc::new(rows);
        if self.phrases.len() >= KEPT_PHRASES {
            self.phrases.remove(0);
        }
        self.phrases.push((phrase.to_owned(), Arc::clone(&rows)));
        Ok(rows)
    }

    /// Every row of the board (archived ones too).
    fn board_rows(&mut self, conn: &Connection, board: &str) -> Result<&[FilterRow], StoreError> {
        if self.rows.is_none() {
            let mut statement = conn.prepare_cached(
                "SELECT i.id, i.task_id, i.title, i.due, i.archived, i.assignees, i.labels,
                        i.checklist_items, i.comment_count, i.attachment_count
                 FROM task_index i WHERE i.board_id = ?1",
            )?;
            let rows = statement.query_map([board], |r| {
                Ok(FilterRow {
                    rowid: r.get(0)?,
                    task_id: r.get(1)?,
                    facts: facts_at(r, 2)?,
                })
            })?;
            self.rows = Some(rows.collect::<Result<_, _>>()?);
        }
        Ok(self.rows.as_deref().unwrap_or_default())
    }
}

/// The FTS5 expression of one group of words: each a prefix, adjacent (`"a"* + "b"*`).
fn fts_phrase(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("\"{}\"*", w.replace('"', "")))
        .collect::<Vec<_>>()
        .join(" + ")
}

/// Splits FTS5 `highlight`/`snippet` output (hits between \u{2} and \u{3}) into parts.
fn parts(marked: &str) -> Vec<TextPart> {
    let mut out = Vec::new();
    let mut hit = false;
    for piece in marked.split(['\u{2}', '\u{3}']) {
        if !piece.is_empty() {
            out.push(TextPart {
                text: piece.to_owned(),
                hit,
            });
        }
        hit = !hit;
    }
    // The split alternates only when marks alternate; FTS5 always closes what it opens.
    out
}

impl Store {
    /// Rebuilds the rows of every board whose index is stale or missing (a write that did not
    /// index, a store migrated or restored, an index format change); returns how many.
    pub fn refresh_index(&mut self) -> Result<usize, StoreError> {
        let stale: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT b.id FROM boards b LEFT JOIN task_index_boards t ON t.board_id = b.id
                 WHERE t.board_id IS NULL OR t.indexed_seq <> b.last_seq OR t.version <> ?1",
            )?
            .query_map([INDEX_VERSION], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut rebuilt = 0;
        for board in stale {
            // A board that does not load stays stale (and out of the answers) rather than
            // keeping every other board from being searched.
            if self.rebuild_index(&board).is_ok() {
                rebuilt += 1;
            }
        }
        Ok(rebuilt)
    }

    /// Rebuilds one board's rows from its stored document, in one transaction that also reads
    /// it (so no write slips between the read and the rows).
    pub fn rebuild_index(&mut self, board: &str) -> Result<(), StoreError> {
        let last_seq = |conn: &Connection| -> Result<Seq, StoreError> {
            conn.prepare_cached("SELECT last_seq FROM boards WHERE id = ?1")?
                .query_row([board], |r| r.get(0))
                .optional()?
                .ok_or_else(|| StoreError::UnknownBoard(board.to_owned()))
        };
        // Loading reads in a transaction of its own; the write then checks that nothing was
        // stored meanwhile (another process may write), and otherwise leaves the board stale.
        let loaded_at = last_seq(&self.conn)?;
        let mut replica = crate::replica::open_board(self, board, ReplicaConfig::default())?;
        let delta = IndexDelta::whole(&mut replica);
        let tx = self.write_transaction()?;
        if last_seq(&tx)? == loaded_at {
            write_delta(&tx, board, &delta, loaded_at, loaded_at)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// How many of a search's matches are scored at most (tests: a small store past it).
    #[doc(hidden)]
    pub fn set_search_scored_at_most(&mut self, matches: usize) {
        self.scored_at_most = matches.max(1);
    }

    /// Tasks of every board matching `text` (the filter grammar), best first. What the query
    /// cannot read is in [`SearchResults::errors`], and left out.
    pub fn search(
        &mut self,
        text: &str,
        options: &SearchOptions,
    ) -> Result<SearchResults, StoreError> {
        self.refresh_index()?;
        let parsed = query::parse(text);
        let hits = self.search_query(&parsed.query, options)?;
        Ok(SearchResults {
            hits,
            errors: parsed.errors,
        })
    }

    fn search_query(
        &self,
        query: &Query,
        options: &SearchOptions,
    ) -> Result<Vec<SearchHit>, StoreError> {
        let include_archived = options.include_archived || query.wants_archived();
        let mut positive = Vec::new();
        let mut negative = Vec::new();
        let mut wants_me = false;
        for term in &query.terms {
            match &term.kind {
                TermKind::Text { words } if term.negated => negative.push(fts_phrase(words)),
                TermKind::Text { words } => positive.push(fts_phrase(words)),
                TermKind::Me if !term.negated => wants_me = true,
                _ => {}
            }
        }
        if wants_me && options.me.is_none() {
            // `@me` without a reader matches nothing.
            return Ok(Vec::new());
        }
        let directory = all_people(&self.conn)?;
        let names_of = |id: &str| directory.get(id).cloned().unwrap_or_default();
        let context = MatchContext {
            now: options.now,
            me: options.me.as_deref(),
            names_of: &names_of,
            text_matched: true,
        };
        // Tasks with a negated phrase, found once (the grammar skips free words).
        let mut excluded = HashSet::new();
        if !negative.is_empty() {
            let mut statement = self
                .conn
                .prepare_cached("SELECT rowid FROM task_search WHERE task_search MATCH ?1")?;
            let rows = statement.query_map([negative.join(" OR ")], |r| r.get::<_, i64>(0))?;
            for rowid in rows {
                excluded.insert(rowid?);
            }
        }
        let wanted = |stored: &StoredRow| {
            !excluded.contains(&stored.rowid)
                && (include_archived || !stored.facts.archived)
                && query.matches(&stored.facts, &context)
        };
        if positive.is_empty() {
            return self.recent_matches(wants_me, options, &wanted);
        }

        // The matches with their scores (bm25 as FTS5 computes it), the most recently written
        // first and at most `scored_at_most` of them, sorted here as (score, rowid) pairs;
        // then, best score first, each group of equal scores is read from `task_index` most
        // recently updated first until `limit` rows match the grammar (rows are read only for
        // the groups that can be in the answer). Past the scored ones, older matches follow
        // unscored, newest first: the first letters typed in a big store match half of it,
        // and scoring each is what such a keystroke cost (BENCHMARKS "Task index").
        let words = positive.join(" AND ");
        let mut scored: Vec<(f64, i64)> = Vec::new();
        let mut oldest_scored = None;
        let mut read = 0;
        {
            let mut statement = self.conn.prepare_cached(
                "SELECT bm25(task_search, 10.0, 2.0, 1.0, 1.0, 3.0, 3.0), rowid
                 FROM task_search WHERE task_search MATCH ?1 ORDER BY rowid DESC LIMIT ?2",
            )?;
            let cap = i64::try_from(self.scored_at_most).unwrap_or(i64::MAX);
            let rows = statement.query_map(params![&words, cap], |r| Ok((r.get(0)?, r.get(1)?)))?;
            for row in rows {
                let (score, rowid): (f64, i64) = row?;
                read += 1;
                oldest_scored = Some(rowid);
                if !excluded.contains(&rowid) {
                    scored.push((score, rowid));
                }
            }
        }
        scored.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let capped = read >= self.scored_at_most;
        let mut group_rows = self.conn.prepare_cached(&format!(
            "SELECT {ROW_COLUMNS} FROM task_index i
             JOIN task_index_boards b ON b.board_id = i.board_id
             WHERE i.id IN (SELECT value FROM json_each(?1))
             ORDER BY i.updated_at DESC, i.id"
        ))?;
        let mut found: Vec<(StoredRow, f64)> = Vec::new();
        let mut take_group = |score: f64, ids: &[i64], found: &mut Vec<(StoredRow, f64)>| {
            let ids = serde_json::to_string(ids).unwrap_or_else(|_| "[]".to_owned());
            let mut rows = group_rows.query([ids])?;
            while let Some(row) = rows.next()? {
                let stored = stored_row(row)?;
                if wanted(&stored) {
                    found.push((stored, score));
                    if found.len() >= options.limit {
                        break;
                    }
                }
            }
            Ok::<_, StoreError>(())
        };
        for group in scored.chunk_by(|a, b| a.0 == b.0) {
            if found.len() >= options.limit {
                break;
            }
            let ids: Vec<i64> = group.iter().map(|(_, id)| *id).collect();
            take_group(group[0].0, &ids, &mut found)?;
        }
        if let Some(oldest) = oldest_scored.filter(|_| capped && found.len() < options.limit) {
            // Unscored: after every scored hit (bm25 is below 0 for a match), newest first.
            let mut statement = self.conn.prepare_cached(
                "SELECT rowid FROM task_search WHERE task_search MATCH ?1 AND rowid < ?2
                 ORDER BY rowid DESC",
            )?;
            let older: Vec<i64> = statement
                .query_map(params![&words, oldest], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            for chunk in older.chunks(UNSCORED_CHUNK) {
                if found.len() >= options.limit {
                    break;
                }
                let ids: Vec<i64> = chunk
                    .iter()
                    .copied()
                    .filter(|id| !excluded.contains(id))
                    .collect();
                take_group(0.0, &ids, &mut found)?;
            }
        }
        drop(group_rows);

        // The marked title and snippet of every hit, in one pass over the matches (`+rowid`:
        // not one full-text lookup per hit).
        let ids = serde_json::to_string(&found.iter().map(|(s, _)| s.rowid).collect::<Vec<_>>())
            .unwrap_or_else(|_| "[]".to_owned());
        let mut marked: HashMap<i64, (String, String)> = HashMap::new();
        {
            let mut statement = self.conn.prepare_cached(
                "SELECT rowid, highlight(task_search, 0, char(2), char(3)),
                        snippet(task_search, -1, char(2), char(3), '…', 12)
                 FROM task_search
                 WHERE task_search MATCH ?1 AND +rowid IN (SELECT value FROM json_each(?2))",
            )?;
            let rows = statement.query_map(params![words, ids], |r| {
                Ok((r.get::<_, i64>(0)?, (r.get(1)?, r.get(2)?)))
            })?;
            for row in rows {
                let (rowid, texts) = row?;
                marked.insert(rowid, texts);
            }
        }
        Ok(found
            .into_iter()
            .map(|(stored, score)| {
                let (title, snippet) = marked.remove(&stored.rowid).unwrap_or_default();
                let title_parts = parts(&title);
                let snippet = parts(&snippet);
                // A snippet that is the title again says nothing new.
                let snippet = if snippet == title_parts {
                    Vec::new()
                } else {
                    snippet
                };
                stored.into_hit(title_parts, snippet, score)
            })
            .collect())
    }

    /// The tasks of `board` that `text` (the filter grammar) matches, read from the index:
    /// free words through the full-text index (as [`Store::search`]), the rest by the grammar.
    pub fn filter_board(
        &mut self,
        board: &str,
        text: &str,
        now: DateTime<FixedOffset>,
        me: Option<&str>,
    ) -> Result<BoardFilter, StoreError> {
        let parsed = query::parse(text);
        let query = parsed.query;
        let mut filter = BoardFilter {
            narrows: !query.terms.is_empty(),
            tasks: TaskMatches::AllBut(Vec::new()),
            words: query.text_words(),
            errors: parsed.errors,
        };
        if !filter.narrows {
            return Ok(filter);
        }
        self.refresh_index()?;
        let stamp = self.stamp()?;
        let Store {
            conn, filter_cache, ..
        } = self;
        if filter_cache.board != board || filter_cache.stamp != stamp {
            *filter_cache = FilterCache {
                board: board.to_owned(),
                stamp,
                ..FilterCache::default()
            };
        }
        let include_archived = query.wants_archived();
        // Free words: the rows each phrase finds (a negated one: the rows it rules out).
        let mut required: Vec<Arc<HashSet<i64>>> = Vec::new();
        let mut excluded: Vec<Arc<HashSet<i64>>> = Vec::new();
        for term in &query.terms {
            let TermKind::Text { words } = &term.kind else {
                continue;
            };
            let rows = filter_cache.phrase_rows(conn, board, &fts_phrase(words))?;
            if term.negated {
                excluded.push(rows);
            } else {
                required.push(rows);
            }
        }
        // The smallest set first: most rows are ruled out by its one lookup.
        required.sort_by_key(|rows| rows.len());
        let people = all_people(conn)?;
        let names_of = |id: &str| people.get(id).cloned().unwrap_or_default();
        let context = MatchContext {
            now,
            me,
            names_of: &names_of,
            text_matched: true,
        };
        let rows = filter_cache.board_rows(conn, board)?;
        let matched: Vec<bool> = rows
            .iter()
            .map(|row| {
                required.iter().all(|found| found.contains(&row.rowid))
                    && !excluded.iter().any(|found| found.contains(&row.rowid))
                    && (include_archived || !row.facts.archived)
                    && query.matches(&row.facts, &context)
            })
            .collect();
        let count = matched.iter().filter(|&&m| m).count();
        // Only the shorter list of ids is made: most of a board, or a few of it.
        let listed = |wanted: bool| {
            rows.iter()
                .zip(&matched)
                .filter(|&(_, &m)| m == wanted)
                .map(|(row, _)| row.task_id.clone())
                .collect()
        };
        filter.tasks = if rows.len() - count < count {
            TaskMatches::AllBut(listed(false))
        } else {
            TaskMatches::Only(listed(true))
        };
        Ok(filter)
    }

    /// A query without words: the most recently updated tasks that match, from my assigned
    /// tasks only when it asks for `@me` (so that costs what "My tasks" costs, not a scan).
    fn recent_matches(
        &self,
        wants_me: bool,
        options: &SearchOptions,
        wanted: &dyn Fn(&StoredRow) -> bool,
    ) -> Result<Vec<SearchHit>, StoreError> {
        let (sql, me) = match options.me.as_deref() {
            Some(me) if wants_me => (
                format!(
                    "SELECT {ROW_COLUMNS} FROM task_index_assignees a
                     JOIN task_index i ON i.board_id = a.board_id AND i.task_id = a.task_id
                     JOIN task_index_boards b ON b.board_id = i.board_id
                     WHERE a.user_id = ?1 ORDER BY i.updated_at DESC, i.id"
                ),
                vec![me],
            ),
            _ => (
                format!(
                    "SELECT {ROW_COLUMNS} FROM task_index i
                     JOIN task_index_boards b ON b.board_id = i.board_id
                     ORDER BY i.updated_at DESC, i.id"
                ),
                Vec::new(),
            ),
        };
        let mut statement = self.conn.prepare_cached(&sql)?;
        let mut rows = statement.query(rusqlite::params_from_iter(me))?;
        let mut hits = Vec::new();
        while hits.len() < options.limit {
            let Some(row) = rows.next()? else { break };
            let stored = stored_row(row)?;
            if wanted(&stored) {
                let title = TextPart {
                    text: stored.facts.title.clone(),
                    hit: false,
                };
                hits.push(stored.into_hit(vec![title], Vec::new(), 0.0));
            }
        }
        Ok(hits)
    }

    /// The store as it is now: `PRAGMA data_version` (changed by another connection's commit)
    /// and this connection's changes. Equal stamps: nothing was written between them.
    fn stamp(&self) -> Result<(i64, u64), StoreError> {
        let version: i64 = self
            .conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0))?;
        Ok((version, self.conn.total_changes()))
    }

    /// Every live task assigned to `me` on every board, grouped by when it is due (read at
    /// `now`'s offset) and soonest first; tasks without a due last, by title.
    pub fn my_tasks(
        &mut self,
        me: &str,
        now: DateTime<FixedOffset>,
    ) -> Result<Vec<MyTask>, StoreError> {
        self.refresh_index()?;
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {ROW_COLUMNS} FROM task_index_assignees a
             JOIN task_index i ON i.board_id = a.board_id AND i.task_id = a.task_id
             JOIN task_index_boards b ON b.board_id = i.board_id
             WHERE a.user_id = ?1 AND i.archived = 0"
        ))?;
        let rows = statement.query_map([me], stored_row)?;
        let offset = *now.offset();
        let today = now.date_naive();
        let mut tasks: Vec<(Option<DateTime<FixedOffset>>, MyTask)> = Vec::new();
        for row in rows {
            let row = row?;
            let deadline = row
                .facts
                .due
                .as_deref()
                .and_then(|due| board_model::Due::parse(due).ok())
                .map(|due| due.deadline(|_: NaiveDateTime| offset));
            let group = match deadline {
                None => DueGroup::NoDate,
                Some(at) if at < now => DueGroup::Overdue,
                Some(at) => {
                    // A deadline at midnight (a date's) belongs to the day before.
                    let day = (at.with_timezone(&offset) - Duration::nanoseconds(1)).date_naive();
                    if day <= today {
                        DueGroup::Today
                    } else if day <= today + Duration::days(6) {
                        DueGroup::ThisWeek
                    } else {
                        DueGroup::Later
                    }
                }
            };
            tasks.push((
                deadline,
                MyTask {
                    group,
                    board_id: row.board_id,
                    board_title: row.board_title,
                    task_id: row.task_id,
                    column_id: row.column_id,
                    column_title: row.column_title,
                    title: row.facts.title,
                    due: row.facts.due,
                    labels: row.facts.labels,
                },
            ));
        }
        tasks.sort_by(|(a_at, a), (b_at, b)| {
            (
                a.group,
                a_at.is_none(),
                a_at,
                &a.title,
                &a.board_id,
                &a.task_id,
            )
                .cmp(&(
                    b.group,
                    b_at.is_none(),
                    b_at,
                    &b.title,
                    &b.board_id,
                    &b.task_id,
                ))
        });
        Ok(tasks.into_iter().map(|(_, task)| task).collect())
    }

    /// Every index row of `board` as stored, by task id (`people` included), for tests that
    /// compare the index with a scan of the loaded board.
    pub fn index_rows(&self, board: &str) -> Result<Vec<IndexRow>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT i.task_id, i.column_id, i.column_title, i.rank, i.created_at, i.updated_at,
                    i.title, i.due, i.archived, i.assignees, i.labels, i.checklist_items,
                    i.comment_count, i.attachment_count,
                    s.description, s.comments, s.checklist, s.people
             FROM task_index i JOIN task_search s ON s.rowid = i.id
             WHERE i.board_id = ?1 ORDER BY i.task_id",
        )?;
        let rows = statement.query_map([board], |r| {
            Ok(IndexRow {
                task_id: r.get(0)?,
                column_id: r.get(1)?,
                column_title: r.get(2)?,
                rank: r.get(3)?,
                created_at: r.get(4)?,
                updated_at: r.get(5)?,
                facts: TaskFacts {
                    description: r.get(14)?,
                    comments: r.get(15)?,
                    checklist: r.get(16)?,
                    people: r.get(17)?,
                    ..facts_at(r, 6)?
                },
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// What a brute-force scan of the stored board gives: the rows [`Store::index_rows`] must
    /// equal (people named from the cached directory, as the index does).
    pub fn scan_rows(&self, board: &str) -> Result<Vec<IndexRow>, StoreError> {
        let replica = crate::replica::open_board(self, board, ReplicaConfig::default())?;
        let mut rows = board_rows(&replica, None);
        for row in &mut rows {
            row.facts.people = people_text(&self.conn, board, &row.facts.assignees)?;
        }
        rows.sort_by(|a, b| a.task_id.cmp(&b.task_id));
        Ok(rows)
    }

    /// Whether `board`'s rows are known to match its stored log.
    pub fn index_is_fresh(&self, board: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT 1 FROM boards b JOIN task_index_boards t ON t.board_id = b.id
                 WHERE b.id = ?1 AND t.indexed_seq = b.last_seq AND t.version = ?2",
            )?
            .exists(params![board, INDEX_VERSION])?)
    }
}
