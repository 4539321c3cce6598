//! Tasks as CSV (RFC 4180), one row per task, with this header:
//!
//! `title,column,description,labels,assignees,due,checklist,archived,created,updated,id`
//!
//! - `labels`, `assignees`: one name per line inside the cell;
//! - `due`: the stored form (`2026-12-05` or `2026-12-05T15:00:00+01:00`);
//! - `checklist`: one item per line, `[x] done item` or `[ ] open item` (a line break inside an
//!   item becomes a space);
//! - `archived`: `true` or `false`; `created`, `updated`: UTC date-times; `id`: the task's id.
//!
//! Reading takes the same file, or any subset with a header naming at least `title` (a
//! missing `column` puts every task in one column named "Imported"); columns are made in the
//! order they first appear, tasks keep their row order, unknown columns of the file are
//! ignored. `created`, `updated` and `id` are not read back: an import makes new tasks.

use std::collections::HashMap;

use board_model::{BoardView, Due};

use crate::{
    ImportError, Person, Plan, PlanColumn, PlanLabel, PlanTask, MAX_FILE_BYTES, MAX_TASKS,
};

/// The header, in order.
pub const HEADER: [&str; 11] = [
    "title",
    "column",
    "description",
    "labels",
    "assignees",
    "due",
    "checklist",
    "archived",
    "created",
    "updated",
    "id",
];

/// Writes every task of a board (archived ones too) in column order, then rank order.
/// `name_of` gives the name written for an assignee id.
pub fn export(view: &BoardView, name_of: impl Fn(&str) -> String) -> String {
    let labels: HashMap<&str, &str> = view
        .labels
        .iter()
        .map(|l| (l.id.as_str(), l.name.as_str()))
        .collect();
    let mut out = String::new();
    write_row(&mut out, HEADER.iter().map(|h| h.to_string()));
    for column in &view.columns {
        for task in &column.tasks {
            let label_names: Vec<&str> = task
                .labels
                .iter()
                .filter_map(|id| labels.get(id.as_str()).copied())
                .collect();
            let assignees: Vec<String> = task.assignees.iter().map(|id| name_of(id)).collect();
            let checklist: Vec<String> = task
                .checklist
                .iter()
                .map(|item| {
                    let text = item.text.replace(['\r', '\n'], " ");
                    format!("[{}] {text}", if item.done { "x" } else { " " })
                })
                .collect();
            write_row(
                &mut out,
                [
                    task.title.clone(),
                    column.title.clone(),
                    task.description.clone(),
                    label_names.join("\n"),
                    assignees.join("\n"),
                    task.due.clone().unwrap_or_default(),
                    checklist.join("\n"),
                    task.archived.to_string(),
                    utc(task.created_at),
                    utc(task.updated_at),
                    task.id.clone(),
                ]
                .into_iter(),
            );
        }
    }
    out
}

/// Milliseconds since the epoch as `2026-12-05T15:00:00.000Z` (the number itself if it is no
/// date chrono can hold).
fn utc(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(
        || ms.to_string(),
        |at| at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
    )
}

fn write_row(out: &mut String, fields: impl Iterator<Item = String>) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\n', '\r']) || field.starts_with(' ') || field.ends_with(' ')
        {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&field);
        }
    }
    out.push_str("\r\n");
}

/// Splits RFC 4180 text into rows of fields. Quoted fields may hold commas, quotes (doubled)
/// and line breaks; a quote inside an unquoted field is kept as is.
fn parse(text: &str) -> Result<Vec<Vec<String>>, ImportError> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut line = 1usize;
    let mut quoted_from: Option<usize> = None;
    let mut in_quotes = false;
    let mut field_started = false;
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => {
                    in_quotes = false;
                    if !matches!(chars.peek(), None | Some(',' | '\r' | '\n')) {
                        return Err(ImportError::Invalid {
                            at: format!("line {line}"),
                            reason: "text after a closing quote (a quote inside a quoted field is written \"\")".into(),
                        });
                    }
                }
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if !field_started => {
                in_quotes = true;
                field_started = true;
                quoted_from = Some(line);
            }
            ',' => {
                row.push(std::mem::take(&mut field));
                field_started = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                line += 1;
                row.push(std::mem::take(&mut field));
                field_started = false;
                rows.push(std::mem::take(&mut row));
                if rows.len() > MAX_TASKS + 1 {
                    return Err(ImportError::TooMany {
                        what: "rows",
                        max: MAX_TASKS,
                    });
                }
            }
            _ => {
                field_started = true;
                field.push(c);
            }
        }
    }
    if in_quotes {
        return Err(ImportError::Invalid {
            at: format!("line {}", quoted_from.unwrap_or(line)),
            reason: "a quoted field is never closed".into(),
        });
    }
    if field_started || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    Ok(rows)
}

/// Reads a CSV file of tasks (see the module's documentation) into a plan for a board titled
/// `title`. Labels it names get the board's next palette colour unless the board has them.
pub fn read(bytes: &[u8], title: &str) -> Result<Plan, ImportError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ImportError::TooLarge {
            max: MAX_FILE_BYTES / (1024 * 1024),
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|err| ImportError::NotThisFormat {
        format: "CSV",
        reason: format!("not UTF-8 text ({err})"),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = parse(text)?.into_iter();
    let header = rows.next().ok_or_else(|| ImportError::NotThisFormat {
        format: "CSV",
        reason: "the file is empty".into(),
    })?;
    let find = |name: &str| {
        header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let Some(title_at) = find("title") else {
        return Err(ImportError::NotThisFormat {
            format: "CSV",
            reason: format!(
                "the first line must name the fields, at least \"title\" (found {:?}); the full header is {}",
                header.join(","),
                HEADER.join(",")
            ),
        });
    };
    let column_at = find("column");
    let description_at = find("description");
    let labels_at = find("labels");
    let assignees_at = find("assignees");
    let due_at = find("due");
    let checklist_at = find("checklist");
    let archived_at = find("archived");

    let mut plan = Plan {
        title: title.to_owned(),
        ..Plan::default()
    };
    let mut column_index: HashMap<String, usize> = HashMap::new();
    let mut label_index: HashMap<String, usize> = HashMap::new();
    for (r, row) in rows.enumerate() {
        let line = r + 2;
        if row.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let at = |field: &str| format!("row {line}, {field}");
        let get = |index: Option<usize>| {
            index
                .and_then(|i| row.get(i))
                .map(String::as_str)
                .unwrap_or("")
        };
        let title = get(Some(title_at)).trim();
        if title.is_empty() {
            return Err(ImportError::Invalid {
                at: at("title"),
                reason: "empty".into(),
            });
        }
        let mut task = PlanTask {
            title: title.to_owned(),
            description: get(description_at).to_owned(),
            ..PlanTask::default()
        };
        for name in lines(get(labels_at)) {
            let key = name.to_lowercase();
            let index = *label_index.entry(key).or_insert_with(|| {
                plan.labels.push(PlanLabel {
                    name: name.to_owned(),
                    color: None,
                });
                plan.labels.len() - 1
            });
            if !task.labels.contains(&index) {
                task.labels.push(index);
            }
        }
        for name in lines(get(assignees_at)) {
            task.assignees.push(Person {
                name: name.to_owned(),
                handles: Vec::new(),
            });
        }
        let due = get(due_at).trim();
        if !due.is_empty() {
            let due = Due::parse(due).map_err(|err| ImportError::Invalid {
                at: at("due"),
                reason: err.to_string(),
            })?;
            task.due = Some(due.to_stored());
        }
        for item in lines(get(checklist_at)) {
            let (done, text) = if let Some(text) = item
                .strip_prefix("[x] ")
                .or_else(|| item.strip_prefix("[X] "))
            {
                (true, text)
            } else if let Some(text) = item.strip_prefix("[ ] ") {
                (false, text)
            } else {
                (false, item)
            };
            if !text.trim().is_empty() {
                task.checklist.push((text.to_owned(), done));
            }
        }
        task.archived = match get(archived_at).trim().to_ascii_lowercase().as_str() {
            "" | "false" | "no" | "0" => false,
            "true" | "yes" | "1" => true,
            other => {
                return Err(ImportError::Invalid {
                    at: at("archived"),
                    reason: format!("expected true or false, found {other:?}"),
                })
            }
        };
        let column = get(column_at).trim();
        let column = if column.is_empty() {
            "Imported"
        } else {
            column
        };
        let index = *column_index
            .entry(column.to_lowercase())
            .or_insert_with(|| {
                plan.columns.push(PlanColumn {
                    title: column.to_owned(),
                    archived: false,
                    tasks: Vec::new(),
                });
                plan.columns.len() - 1
            });
        plan.columns[index].tasks.push(task);
    }
    Ok(plan)
}

/// The non-empty lines of a multi-valued cell, trimmed.
fn lines(cell: &str) -> impl Iterator<Item = &str> {
    cell.lines().map(str::trim).filter(|l| !l.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_commas_quotes_and_line_breaks_survive() {
        let mut out = String::new();
        write_row(
            &mut out,
            ["a,b", "say \"hi\"", "two\nlines", " padded ", "plain"]
                .map(String::from)
                .into_iter(),
        );
        assert_eq!(
            out,
            "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\" padded \",plain\r\n"
        );
        let rows = parse(&out).expect("parses");
        assert_eq!(
            rows,
            vec![vec!["a,b", "say \"hi\"", "two\nlines", " padded ", "plain"]]
        );
    }

    #[test]
    fn broken_quoting_is_named_by_line() {
        let err = parse("title\n\"never closed\n")
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("line 2: a quoted field is never closed")
        );
        let err = parse("title\n\"x\"y\n").err().map(|e| e.to_string());
        assert!(err
            .unwrap_or_default()
            .starts_with("line 2: text after a closing quote"));
    }

    #[test]
    fn times_are_written_in_utc() {
        assert_eq!(utc(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(utc(1_796_400_000_123), "2026-12-04T16:00:00.123Z");
        assert_eq!(utc(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }
}
