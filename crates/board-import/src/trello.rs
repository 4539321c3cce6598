//! Trello's board export (board menu → Print, export and share → Export as JSON) read into a
//! [`Plan`]: lists in position order (closed ones archived, with their cards), cards in
//! position order (closed ones archived), Markdown descriptions, labels with their colours
//! (a nameless label is named by its colour), every checklist of a card in order, due dates
//! with their time, members as assignees, comments (`commentCard` actions) with their authors
//! and dates, and attachment links kept as links in the description. Unknown fields are
//! ignored; a field of the wrong type is an error naming it (`cards[3].name: expected text`).

use std::collections::HashMap;

use board_model::Due;
use serde_json::{Map, Value};

use crate::{
    ImportError, Person, Plan, PlanColumn, PlanComment, PlanLabel, PlanTask, MAX_FILE_BYTES,
    MAX_TASKS, MAX_TEXT_BYTES,
};

/// The most lists, labels, checklists or actions read from one file.
const MAX_ITEMS: usize = 1_000_000;

/// Reads a Trello board export.
pub fn read(bytes: &[u8]) -> Result<Plan, ImportError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ImportError::TooLarge {
            max: MAX_FILE_BYTES / (1024 * 1024),
        });
    }
    // serde_json refuses nesting deeper than 128 levels with an error, never a stack overflow.
    let root: Value = serde_json::from_slice(bytes).map_err(|err| ImportError::NotThisFormat {
        format: "Trello JSON",
        reason: err.to_string(),
    })?;
    let root = root
        .as_object()
        .ok_or_else(|| not_trello("the file is not a JSON object"))?;
    if !root.contains_key("lists") || !root.contains_key("cards") {
        return Err(not_trello(
            "it has no \"lists\" and \"cards\" (export a board from Trello: board menu → Print, export and share → Export as JSON)",
        ));
    }
    let title = match text_field(root, "name", "name")? {
        Some(name) if !name.trim().is_empty() => name,
        _ => "Imported from Trello".to_owned(),
    };

    let labels = read_labels(root)?;
    let people = read_members(root)?;
    let mut checklists = read_checklists(root)?;
    let mut comments = read_comments(root, &people)?;

    let lists = array(root, "lists")?;
    if lists.len() > MAX_ITEMS {
        return Err(ImportError::TooMany {
            what: "lists",
            max: MAX_ITEMS,
        });
    }
    let mut columns: Vec<(f64, usize, String, PlanColumn)> = Vec::with_capacity(lists.len());
    for (i, list) in lists.iter().enumerate() {
        let at = format!("lists[{i}]");
        let list = object(list, &at)?;
        let id = required_text(list, "id", &format!("{at}.id"))?;
        let name = text_field(list, "name", &format!("{at}.name"))?.unwrap_or_default();
        let column = PlanColumn {
            title: if name.trim().is_empty() {
                "Untitled list".into()
            } else {
                name
            },
            archived: bool_field(list, "closed", &format!("{at}.closed"))?,
            tasks: Vec::new(),
        };
        columns.push((position(list, &format!("{at}.pos"))?, i, id, column));
    }
    columns.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let column_of: HashMap<String, usize> = columns
        .iter()
        .enumerate()
        .map(|(index, (_, _, id, _))| (id.clone(), index))
        .collect();

    let cards = array(root, "cards")?;
    if cards.len() > MAX_TASKS {
        return Err(ImportError::TooMany {
            what: "cards",
            max: MAX_TASKS,
        });
    }
    let label_index: HashMap<&str, usize> = labels
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (id.as_str(), i))
        .collect();
    // Cards of a list this file does not have go to a column of their own, last.
    let mut orphans = Vec::new();
    let mut placed: Vec<Vec<(f64, usize, PlanTask)>> = vec![Vec::new(); columns.len()];
    for (i, card) in cards.iter().enumerate() {
        let at = format!("cards[{i}]");
        let card = object(card, &at)?;
        let id = required_text(card, "id", &format!("{at}.id"))?;
        let mut task = PlanTask {
            title: text_field(card, "name", &format!("{at}.name"))?.unwrap_or_default(),
            description: text_field(card, "desc", &format!("{at}.desc"))?.unwrap_or_default(),
            archived: bool_field(card, "closed", &format!("{at}.closed"))?,
            ..PlanTask::default()
        };
        for (j, label) in text_list(card, "idLabels", &format!("{at}.idLabels"))?
            .iter()
            .enumerate()
        {
            match label_index.get(label.as_str()) {
                Some(&index) => task.labels.push(index),
                None => {
                    return Err(invalid(
                        format!("{at}.idLabels[{j}]"),
                        format!("no label {label:?} in the file's \"labels\""),
                    ))
                }
            }
        }
        for member in text_list(card, "idMembers", &format!("{at}.idMembers"))? {
            task.assignees
                .push(people.get(&member).cloned().unwrap_or_else(|| Person {
                    name: format!("Trello member {}", short(&member)),
                    handles: vec![member.clone()],
                }));
        }
        if let Some(due) = text_field(card, "due", &format!("{at}.due"))? {
            let due =
                Due::parse(&due).map_err(|err| invalid(format!("{at}.due"), err.to_string()))?;
            task.due = Some(due.to_stored());
        }
        if let Some(lists) = checklists.remove(&id) {
            let named = lists.len() > 1;
            for (name, items) in lists {
                for (text, done) in items {
                    let text = if named && !name.trim().is_empty() {
                        format!("{} · {text}", name.trim())
                    } else {
                        text
                    };
                    task.checklist.push((text, done));
                }
            }
        }
        let links = attachment_links(card, &at)?;
        if !links.is_empty() {
            if !task.description.is_empty() {
                task.description.push_str("\n\n");
            }
            task.description.push_str("**Attachments**\n");
            task.description.push_str(&links.join("\n"));
        }
        if task.description.len() > MAX_TEXT_BYTES {
            return Err(invalid(format!("{at}.desc"), "longer than 1 MB".into()));
        }
        if let Some(mut own) = comments.remove(&id) {
            own.sort_by_key(|c| c.created_at_ms);
            task.comments = own;
        }
        let pos = position(card, &format!("{at}.pos"))?;
        let list = text_field(card, "idList", &format!("{at}.idList"))?.unwrap_or_default();
        match column_of.get(&list) {
            Some(&column) => placed[column].push((pos, i, task)),
            None => orphans.push((pos, i, task)),
        }
    }
    let mut plan = Plan {
        title,
        columns: Vec::with_capacity(columns.len() + 1),
        labels: labels.into_iter().map(|(_, label)| label).collect(),
    };
    for ((_, _, _, mut column), mut tasks) in columns.into_iter().zip(placed) {
        tasks.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        column.tasks = tasks.into_iter().map(|(_, _, task)| task).collect();
        plan.columns.push(column);
    }
    if !orphans.is_empty() {
        orphans.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        plan.columns.push(PlanColumn {
            title: "Cards without a list".into(),
            archived: false,
            tasks: orphans.into_iter().map(|(_, _, task)| task).collect(),
        });
    }
    Ok(plan)
}

fn not_trello(reason: &str) -> ImportError {
    ImportError::NotThisFormat {
        format: "Trello JSON",
        reason: reason.into(),
    }
}

fn invalid(at: String, reason: String) -> ImportError {
    ImportError::Invalid { at, reason }
}

fn short(id: &str) -> &str {
    id.get(id.len().saturating_sub(6)..).unwrap_or(id)
}

fn object<'v>(value: &'v Value, at: &str) -> Result<&'v Map<String, Value>, ImportError> {
    value.as_object().ok_or_else(|| {
        invalid(
            at.into(),
            format!("expected an object, found {}", kind(value)),
        )
    })
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// An array member of the root, absent meaning empty.
fn array<'v>(root: &'v Map<String, Value>, key: &str) -> Result<&'v [Value], ImportError> {
    match root.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(invalid(
            key.into(),
            format!("expected a list, found {}", kind(other)),
        )),
    }
}

/// A text field: absent or null is `None`; anything else but text is an error.
fn text_field(
    map: &Map<String, Value>,
    key: &str,
    at: &str,
) -> Result<Option<String>, ImportError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.len() > MAX_TEXT_BYTES => {
            Err(invalid(at.into(), "longer than 1 MB".into()))
        }
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(other) => Err(invalid(
            at.into(),
            format!("expected text, found {}", kind(other)),
        )),
    }
}

fn required_text(map: &Map<String, Value>, key: &str, at: &str) -> Result<String, ImportError> {
    text_field(map, key, at)?.ok_or_else(|| invalid(at.into(), "missing".into()))
}

fn bool_field(map: &Map<String, Value>, key: &str, at: &str) -> Result<bool, ImportError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(invalid(
            at.into(),
            format!("expected true or false, found {}", kind(other)),
        )),
    }
}

/// Trello's `pos`: a number (absent: after everything else, in file order).
fn position(map: &Map<String, Value>, at: &str) -> Result<f64, ImportError> {
    match map.get("pos") {
        None | Some(Value::Null) => Ok(f64::MAX),
        Some(Value::Number(n)) => n
            .as_f64()
            .filter(|p| p.is_finite())
            .ok_or_else(|| invalid(at.into(), "not a finite number".into())),
        Some(other) => Err(invalid(
            at.into(),
            format!("expected a number, found {}", kind(other)),
        )),
    }
}

fn text_list(map: &Map<String, Value>, key: &str, at: &str) -> Result<Vec<String>, ImportError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(text) if text.len() <= 256 => Ok(text.clone()),
                Value::String(_) => Err(invalid(
                    format!("{at}[{i}]"),
                    "longer than 256 bytes".into(),
                )),
                other => Err(invalid(
                    format!("{at}[{i}]"),
                    format!("expected text, found {}", kind(other)),
                )),
            })
            .collect(),
        Some(other) => Err(invalid(
            at.into(),
            format!("expected a list, found {}", kind(other)),
        )),
    }
}

/// Trello's colour names and their `#rrggbb` (the `_dark` and `_light` shades are mixed from
/// the base colour with black or white).
fn label_color(name: &str) -> String {
    const BASE: [(&str, [u8; 3]); 10] = [
        ("green", [0x4b, 0xce, 0x97]),
        ("yellow", [0xf5, 0xcd, 0x47]),
        ("orange", [0xfe, 0xa3, 0x62]),
        ("red", [0xf8, 0x71, 0x68]),
        ("purple", [0x9f, 0x8f, 0xef]),
        ("blue", [0x57, 0x9d, 0xff]),
        ("sky", [0x6c, 0xc3, 0xe0]),
        ("lime", [0x94, 0xc7, 0x48]),
        ("pink", [0xe7, 0x74, 0xbb]),
        ("black", [0x8c, 0x9b, 0xab]),
    ];
    let (base, shade) = match name.split_once('_') {
        Some((base, shade)) => (base, Some(shade)),
        None => (name, None),
    };
    let Some((_, rgb)) = BASE.iter().find(|(n, _)| *n == base) else {
        return "#8590a2".into();
    };
    let mix = |c: u8, toward: u8| -> u8 {
        let mixed = (u16::from(c) * 3 + u16::from(toward) * 2) / 5;
        u8::try_from(mixed).unwrap_or(c)
    };
    let rgb = match shade {
        Some("dark") => rgb.map(|c| mix(c, 0)),
        Some("light") => rgb.map(|c| mix(c, 255)),
        _ => *rgb,
    };
    format!("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2])
}

/// The file's labels by id, in file order; a nameless one is named by its colour.
fn read_labels(root: &Map<String, Value>) -> Result<Vec<(String, PlanLabel)>, ImportError> {
    let labels = array(root, "labels")?;
    if labels.len() > MAX_ITEMS {
        return Err(ImportError::TooMany {
            what: "labels",
            max: MAX_ITEMS,
        });
    }
    let mut out = Vec::with_capacity(labels.len());
    for (i, label) in labels.iter().enumerate() {
        let at = format!("labels[{i}]");
        let label = object(label, &at)?;
        let id = required_text(label, "id", &format!("{at}.id"))?;
        let color = text_field(label, "color", &format!("{at}.color"))?;
        let name = text_field(label, "name", &format!("{at}.name"))?.unwrap_or_default();
        let name = if name.trim().is_empty() {
            color
                .clone()
                .map(|c| c.replace('_', " "))
                .unwrap_or_else(|| "label".into())
        } else {
            name
        };
        let color = Some(label_color(color.as_deref().unwrap_or("")));
        out.push((id, PlanLabel { name, color }));
    }
    Ok(out)
}

/// The board's members by id.
fn read_members(root: &Map<String, Value>) -> Result<HashMap<String, Person>, ImportError> {
    let members = array(root, "members")?;
    let mut out = HashMap::with_capacity(members.len().min(MAX_ITEMS));
    for (i, member) in members.iter().enumerate().take(MAX_ITEMS) {
        let at = format!("members[{i}]");
        let member = object(member, &at)?;
        let id = required_text(member, "id", &format!("{at}.id"))?;
        out.insert(id.clone(), person(member, &at, &id)?);
    }
    Ok(out)
}

fn person(member: &Map<String, Value>, at: &str, id: &str) -> Result<Person, ImportError> {
    let full = text_field(member, "fullName", &format!("{at}.fullName"))?.unwrap_or_default();
    let username = text_field(member, "username", &format!("{at}.username"))?.unwrap_or_default();
    let name = [full.trim(), username.trim()]
        .into_iter()
        .find(|n| !n.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| format!("Trello member {}", short(id)));
    let handles = [username.trim()]
        .into_iter()
        .filter(|h| !h.is_empty())
        .map(str::to_owned)
        .collect();
    Ok(Person { name, handles })
}

type Checklist = (String, Vec<(String, bool)>);

/// Checklists by card, in position order, their items in position order.
fn read_checklists(
    root: &Map<String, Value>,
) -> Result<HashMap<String, Vec<Checklist>>, ImportError> {
    let lists = array(root, "checklists")?;
    if lists.len() > MAX_ITEMS {
        return Err(ImportError::TooMany {
            what: "checklists",
            max: MAX_ITEMS,
        });
    }
    let mut by_card: HashMap<String, Vec<(f64, usize, Checklist)>> = HashMap::new();
    let mut item_count = 0usize;
    for (i, list) in lists.iter().enumerate() {
        let at = format!("checklists[{i}]");
        let list = object(list, &at)?;
        let card = required_text(list, "idCard", &format!("{at}.idCard"))?;
        let name = text_field(list, "name", &format!("{at}.name"))?.unwrap_or_default();
        let items = match list.get("checkItems") {
            None | Some(Value::Null) => &[][..],
            Some(Value::Array(items)) => items.as_slice(),
            Some(other) => {
                return Err(invalid(
                    format!("{at}.checkItems"),
                    format!("expected a list, found {}", kind(other)),
                ))
            }
        };
        item_count += items.len();
        if item_count > MAX_ITEMS {
            return Err(ImportError::TooMany {
                what: "checklist items",
                max: MAX_ITEMS,
            });
        }
        let mut read = Vec::with_capacity(items.len());
        for (j, item) in items.iter().enumerate() {
            let at = format!("{at}.checkItems[{j}]");
            let item = object(item, &at)?;
            let text = text_field(item, "name", &format!("{at}.name"))?.unwrap_or_default();
            let done = match text_field(item, "state", &format!("{at}.state"))?.as_deref() {
                Some("complete") => true,
                Some("incomplete") | None => false,
                Some(other) => {
                    return Err(invalid(
                        format!("{at}.state"),
                        format!("expected \"complete\" or \"incomplete\", found {other:?}"),
                    ))
                }
            };
            let text = if text.trim().is_empty() {
                "(empty)".to_owned()
            } else {
                text
            };
            read.push((position(item, &format!("{at}.pos"))?, j, (text, done)));
        }
        read.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let items = read.into_iter().map(|(_, _, item)| item).collect();
        by_card.entry(card).or_default().push((
            position(list, &format!("{at}.pos"))?,
            i,
            (name, items),
        ));
    }
    Ok(by_card
        .into_iter()
        .map(|(card, mut lists)| {
            lists.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            (card, lists.into_iter().map(|(_, _, list)| list).collect())
        })
        .collect())
}

/// Comments (`commentCard` actions) by card.
fn read_comments(
    root: &Map<String, Value>,
    people: &HashMap<String, Person>,
) -> Result<HashMap<String, Vec<PlanComment>>, ImportError> {
    let actions = array(root, "actions")?;
    if actions.len() > MAX_ITEMS {
        return Err(ImportError::TooMany {
            what: "actions",
            max: MAX_ITEMS,
        });
    }
    let mut by_card: HashMap<String, Vec<PlanComment>> = HashMap::new();
    for (i, action) in actions.iter().enumerate() {
        let at = format!("actions[{i}]");
        let action = object(action, &at)?;
        if text_field(action, "type", &format!("{at}.type"))?.as_deref() != Some("commentCard") {
            continue;
        }
        let data = object(
            action.get("data").unwrap_or(&Value::Null),
            &format!("{at}.data"),
        )?;
        let card = object(
            data.get("card").unwrap_or(&Value::Null),
            &format!("{at}.data.card"),
        )?;
        let card = required_text(card, "id", &format!("{at}.data.card.id"))?;
        let body = required_text(data, "text", &format!("{at}.data.text"))?;
        if body.trim().is_empty() {
            continue;
        }
        let date = required_text(action, "date", &format!("{at}.date"))?;
        let created_at_ms = match Due::parse(&date) {
            Ok(Due::At(at)) => at.timestamp_millis(),
            _ => {
                return Err(invalid(
                    format!("{at}.date"),
                    format!("expected a date-time like 2026-12-05T15:00:00.000Z, found {date:?}"),
                ))
            }
        };
        let creator = text_field(action, "idMemberCreator", &format!("{at}.idMemberCreator"))?
            .unwrap_or_default();
        let author = match (people.get(&creator), action.get("memberCreator")) {
            (Some(known), _) => known.clone(),
            (None, Some(Value::Object(member))) => {
                person(member, &format!("{at}.memberCreator"), &creator)?
            }
            _ => Person {
                name: format!("Trello member {}", short(&creator)),
                handles: Vec::new(),
            },
        };
        by_card.entry(card).or_default().push(PlanComment {
            author,
            body,
            created_at_ms,
        });
    }
    Ok(by_card)
}

/// A card's attachments as Markdown links (web links only; uploaded files stay on Trello).
fn attachment_links(card: &Map<String, Value>, at: &str) -> Result<Vec<String>, ImportError> {
    let attachments = match card.get("attachments") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(invalid(
                format!("{at}.attachments"),
                format!("expected a list, found {}", kind(other)),
            ))
        }
    };
    let mut links = Vec::new();
    for (i, attachment) in attachments.iter().enumerate() {
        let at = format!("{at}.attachments[{i}]");
        let attachment = object(attachment, &at)?;
        let Some(url) = text_field(attachment, "url", &format!("{at}.url"))? else {
            continue;
        };
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            continue;
        }
        let name = text_field(attachment, "name", &format!("{at}.name"))?
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| url.clone());
        let name: String = name
            .chars()
            // Brackets would end the link text (Tack's Markdown has no escapes in it).
            .map(|c| match c {
                '[' => '(',
                ']' => ')',
                '\n' | '\r' => ' ',
                c => c,
            })
            .collect();
        let url = url
            .replace(' ', "%20")
            .replace(')', "%29")
            .replace('(', "%28");
        links.push(format!("- [{}]({url})", name.trim()));
    }
    Ok(links)
}
