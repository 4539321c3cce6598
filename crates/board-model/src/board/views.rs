//! Saved views (DESIGN §1 root `views`): a named filter (the grammar of [`crate::query`]), a
//! sort within columns and an optional grouping into swimlanes, kept in the board so the
//! whole team shares them. Saving, renaming and deleting one are not undo steps (like
//! comments, they sit outside undo's scope); unknown keys of a view's map are left alone.

use yrs::{Map, MapPrelim, MapRef, Out, ReadTxn, Transact};

use super::{key, read_map, read_str, validate_title, Board, LOCAL_ORIGIN};
use crate::error::{ModelError, Result};

const QUERY: &str = "query";
const SORT: &str = "sort";
const GROUP_BY: &str = "groupBy";

/// At most this many views on a board.
pub const MAX_VIEWS: usize = 200;
/// The longest name of a view.
pub const MAX_VIEW_NAME_BYTES: usize = 200;

/// The orders a column can be sorted in; `rank` is the board's shared order.
pub const SORT_KEYS: [&str; 5] = ["rank", "due", "created", "updated", "title"];
/// What a board can be grouped into swimlanes by.
pub const GROUP_KEYS: [&str; 2] = ["assignee", "label"];

/// One saved view as the board holds it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SavedView {
    pub id: String,
    pub name: String,
    /// The filter, in the grammar of `board_model::query` (may be empty).
    pub query: String,
    /// One of [`SORT_KEYS`] (a value written by a newer client is shown as it is).
    pub sort: String,
    /// `assignee` or `label`; `None` for no swimlanes.
    pub group_by: Option<String>,
}

/// What saving a view sets.
#[derive(Debug, Clone, Default)]
pub struct ViewSettings<'a> {
    pub query: &'a str,
    /// One of [`SORT_KEYS`]; empty is `rank`.
    pub sort: &'a str,
    pub group_by: Option<&'a str>,
}

fn read_view<T: ReadTxn>(id: &str, map: &MapRef, txn: &T) -> SavedView {
    SavedView {
        id: id.to_owned(),
        name: read_str(map, txn, key::NAME).unwrap_or_default(),
        query: read_str(map, txn, QUERY).unwrap_or_default(),
        sort: read_str(map, txn, SORT)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "rank".to_owned()),
        group_by: read_str(map, txn, GROUP_BY).filter(|g| !g.is_empty()),
    }
}

fn check_settings(settings: &ViewSettings<'_>) -> Result<(String, String, Option<String>)> {
    if settings.query.len() > crate::query::MAX_QUERY_BYTES {
        return Err(ModelError::InvalidValue {
            field: "view query",
            reason: format!("longer than {} bytes", crate::query::MAX_QUERY_BYTES),
        });
    }
    let sort = match settings.sort.trim() {
        "" => "rank",
        other => other,
    };
    if !SORT_KEYS.contains(&sort) {
        return Err(ModelError::InvalidValue {
            field: "view sort",
            reason: format!("`{sort}` is none of {}", SORT_KEYS.join(", ")),
        });
    }
    let group_by = match settings.group_by.map(str::trim) {
        None | Some("") => None,
        Some(g) if GROUP_KEYS.contains(&g) => Some(g.to_owned()),
        Some(g) => {
            return Err(ModelError::InvalidValue {
                field: "view grouping",
                reason: format!("`{g}` is none of {}", GROUP_KEYS.join(", ")),
            })
        }
    };
    Ok((settings.query.trim().to_owned(), sort.to_owned(), group_by))
}

fn check_name(name: &str) -> Result<String> {
    let name = validate_title("view name", name)?;
    if name.len() > MAX_VIEW_NAME_BYTES {
        return Err(ModelError::InvalidValue {
            field: "view name",
            reason: format!("longer than {MAX_VIEW_NAME_BYTES} bytes"),
        });
    }
    Ok(name)
}

impl Board {
    fn views_root(&self) -> MapRef {
        self.doc.get_or_insert_map(key::VIEWS)
    }

    /// The saved views, by name (case-insensitive), then id.
    pub fn views(&self) -> Vec<SavedView> {
        let root = self.views_root();
        let txn = self.doc.transact();
        let mut views: Vec<SavedView> = root
            .iter(&txn)
            .filter_map(|(id, value)| match value {
                Out::YMap(m) => Some(read_view(id, &m, &txn)),
                _ => None,
            })
            .collect();
        views.sort_by(|a, b| (a.name.to_lowercase(), &a.id).cmp(&(b.name.to_lowercase(), &b.id)));
        views
    }

    /// The view called `name` (case-insensitive), or whose id is `name`.
    pub fn find_view(&self, name: &str) -> Option<SavedView> {
        let wanted = name.trim().to_lowercase();
        let views = self.views();
        views
            .iter()
            .find(|v| v.id == name.trim())
            .or_else(|| views.iter().find(|v| v.name.to_lowercase() == wanted))
            .cloned()
    }

    /// Saves a view under `name`: the one of that name (case-insensitive) gets these settings,
    /// else a new one is made. Returns its id.
    pub fn save_view(&mut self, name: &str, settings: &ViewSettings<'_>) -> Result<String> {
        let name = check_name(name)?;
        let (query, sort, group_by) = check_settings(settings)?;
        let existing = self
            .views()
            .into_iter()
            .find(|v| v.name.to_lowercase() == name.to_lowercase());
        let root = self.views_root();
        if existing.is_none() && root.len(&self.doc.transact()) as usize >= MAX_VIEWS {
            return Err(ModelError::InvalidValue {
                field: "views",
                reason: format!("a board keeps at most {MAX_VIEWS} views"),
            });
        }
        let mut txn = self.doc.transact_mut_with(LOCAL_ORIGIN);
        match existing.and_then(|v| read_map(&root, &txn, &v.id).map(|m| (v.id, m))) {
            Some((id, map)) => {
                // Field by field: a teammate's concurrent rename of it survives.
                map.insert(&mut txn, key::NAME, name);
                map.insert(&mut txn, QUERY, query);
                map.insert(&mut txn, SORT, sort);
                match group_by {
                    Some(g) => {
                        map.insert(&mut txn, GROUP_BY, g);
                    }
                    None => {
                        map.remove(&mut txn, GROUP_BY);
                    }
                }
                Ok(id)
            }
            None => {
                let id = self.config.sources.new_id();
                let mut fields: Vec<(&str, yrs::In)> = vec![
                    (key::NAME, yrs::In::Any(name.into())),
                    (QUERY, yrs::In::Any(query.into())),
                    (SORT, yrs::In::Any(sort.into())),
                ];
                if let Some(g) = group_by {
                    fields.push((GROUP_BY, yrs::In::Any(g.into())));
                }
                root.insert(
                    &mut txn,
                    id.as_str(),
                    MapPrelim::from_iter(fields.into_iter().map(|(k, v)| (k.to_owned(), v))),
                );
                Ok(id)
            }
        }
    }

    /// Renames the view `id`; another view already called `name` is refused.
    pub fn rename_view(&mut self, id: &str, name: &str) -> Result<()> {
        let name = check_name(name)?;
        if self
            .views()
            .iter()
            .any(|v| v.id != id && v.name.to_lowercase() == name.to_lowercase())
        {
            return Err(ModelError::InvalidValue {
                field: "view name",
                reason: format!("another view is called {name}"),
            });
        }
        let root = self.views_root();
        let mut txn = self.doc.transact_mut_with(LOCAL_ORIGIN);
        let map = read_map(&root, &txn, id).ok_or_else(|| ModelError::UnknownView(id.into()))?;
        map.insert(&mut txn, key::NAME, name);
        Ok(())
    }

    /// Deletes the view `id`.
    pub fn delete_view(&mut self, id: &str) -> Result<()> {
        let root = self.views_root();
        let mut txn = self.doc.transact_mut_with(LOCAL_ORIGIN);
        if root.remove(&mut txn, id).is_none() {
            return Err(ModelError::UnknownView(id.into()));
        }
        Ok(())
    }
}

/// Sorts each column's tasks of `view` by `sort` (one of [`SORT_KEYS`]; `rank` and unknown keys
/// keep the board's order): `due` soonest first, no due last (deadlines read in `offset`);
/// `created` and `updated` newest first; `title` A to Z ignoring case. Ties keep board order.
pub fn sort_view(view: &mut crate::BoardView, sort: &str, offset: chrono::FixedOffset) {
    let deadline = |task: &crate::TaskView| {
        task.due
            .as_deref()
            .and_then(|d| crate::Due::parse(d).ok())
            .map(|d| d.deadline(|_: chrono::NaiveDateTime| offset))
    };
    for column in &mut view.columns {
        match sort {
            "due" => column
                .tasks
                .sort_by_cached_key(|t| deadline(t).map_or((1, None), |d| (0, Some(d)))),
            "created" => column
                .tasks
                .sort_by_key(|t| std::cmp::Reverse(t.created_at)),
            "updated" => column
                .tasks
                .sort_by_key(|t| std::cmp::Reverse(t.updated_at)),
            "title" => column.tasks.sort_by_cached_key(|t| t.title.to_lowercase()),
            _ => {}
        }
    }
}
