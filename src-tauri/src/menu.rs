//! The menu bar: native on macOS, where an app without one is not an app (its Edit menu is
//! also what makes copy and paste work in text fields there). Elsewhere the window has none
//! unless `TACK_MENU_BAR=1` asks for it: Tack is driven from the keyboard and the palette, and
//! GNOME and KDE apps have dropped theirs.
//!
//! Each item runs one of the window's named commands (`ui/src/commands/registry.ts`): its id
//! is the command's, and choosing it sends `menu-command` with that id, so the window runs it
//! as a key or the palette would (a viewer's "Archive task" explains itself, not acts). The
//! ids are listed in the generated bindings (`MENU_COMMANDS`) and the UI's type checker
//! refuses one it has no command for. Accelerators are only combinations with Cmd/Ctrl: a
//! bare letter in a menu would be taken from every text field.

use tauri::menu::{
    IsMenuItem, Menu, MenuItem, MenuItemKind, PredefinedMenuItem, Submenu, HELP_SUBMENU_ID,
    WINDOW_SUBMENU_ID,
};
use tauri::{AppHandle, Emitter, Manager, Wry};

use crate::ipc::{MenuCommandEvent, MENU_COMMAND_EVENT};

/// One entry of a menu.
#[derive(Debug, Clone, Copy)]
pub enum Entry {
    /// Runs the window's command `id`; the accelerator, if any, in Tauri's spelling.
    Command {
        id: &'static str,
        title: &'static str,
        keys: Option<&'static str>,
    },
    /// A line between groups.
    Separator,
    /// A submenu.
    Sub(&'static str, &'static [Entry]),
    /// One of the system's own items (macOS only: they act on the app, the window or the
    /// focused text field, not on the board).
    Native(Native),
}

#[derive(Debug, Clone, Copy)]
pub enum Native {
    About,
    Services,
    Hide,
    HideOthers,
    ShowAll,
    Quit,
    Undo,
    Redo,
    Cut,
    Copy,
    Paste,
    SelectAll,
    Minimize,
    Zoom,
    Fullscreen,
    CloseWindow,
}

const fn command(id: &'static str, title: &'static str, keys: Option<&'static str>) -> Entry {
    Entry::Command { id, title, keys }
}

use Entry::{Native as N, Separator as Sep, Sub};

const IMPORT: &[Entry] = &[
    command("board.import_trello", "Trello Board (JSON)…", None),
    command("board.import_csv", "Tasks from CSV as a New Board…", None),
    command(
        "board.import_csv_here",
        "Tasks from CSV into This Board…",
        None,
    ),
];

const EXPORT: &[Entry] = &[
    command("board.export_markdown", "Markdown…", None),
    command("board.export_csv", "CSV…", None),
    command("board.export_json", "JSON…", None),
    command("board.export_yjs", "Yjs Update…", None),
];

/// The menu bar, left to right: (title, entries). On macOS the first is the app's menu.
pub const MENUS: &[(&str, &[Entry])] = &[
    (
        "Tack",
        &[
            N(Native::About),
            Sep,
            command("account.settings", "Settings…", Some("CmdOrCtrl+,")),
            command("app.check_update", "Check for Updates…", None),
            Sep,
            N(Native::Services),
            Sep,
            N(Native::Hide),
            N(Native::HideOthers),
            N(Native::ShowAll),
            Sep,
            N(Native::Quit),
        ],
    ),
    (
        "File",
        &[
            command("board.new", "New Board…", Some("CmdOrCtrl+N")),
            command("app.quick_add", "Quick Add a Task…", None),
            Sep,
            Sub("Import", IMPORT),
            Sub("Export Board", EXPORT),
            Sep,
            N(Native::CloseWindow),
        ],
    ),
    (
        "Edit",
        &[
            N(Native::Undo),
            N(Native::Redo),
            Sep,
            N(Native::Cut),
            N(Native::Copy),
            N(Native::Paste),
            N(Native::SelectAll),
            Sep,
            command("view.filter", "Filter This Board", Some("CmdOrCtrl+F")),
            command("view.search", "Search Every Board", Some("CmdOrCtrl+P")),
            command("view.palette", "Command Palette", Some("CmdOrCtrl+K")),
        ],
    ),
    (
        "View",
        &[
            command("view.sidebar", "Show or Hide Sidebar", Some("CmdOrCtrl+B")),
            command("view.density", "Compact or Comfortable Cards", None),
            command("view.sort", "Next Sort Order", None),
            command("view.lanes", "Next Swimlane Grouping", None),
            command("view.views", "Saved Views…", None),
            Sep,
            command("view.inbox", "Inbox", Some("CmdOrCtrl+Shift+I")),
            command("view.my_tasks", "My Tasks", Some("CmdOrCtrl+Shift+M")),
            Sep,
            N(Native::Fullscreen),
        ],
    ),
    (
        "Board",
        &[
            command("board.next", "Next Board", Some("CmdOrCtrl+]")),
            command("board.previous", "Previous Board", Some("CmdOrCtrl+[")),
            Sep,
            command("board.share", "Share…", None),
            command("board.archived", "Archived Tasks and Columns", None),
            Sep,
            command("board.rename", "Rename", None),
            command("board.duplicate", "Duplicate…", None),
            command("board.save_template", "Save as Template…", None),
            command("board.delete", "Delete", None),
        ],
    ),
    (
        "Task",
        &[
            command("board.new_task", "New Task", None),
            command("task.edit", "Open Details", None),
            command("task.comment", "Comment", None),
            command("task.attach", "Attach Files…", None),
            Sep,
            command("task.duplicate", "Duplicate", None),
            command("task.archive", "Archive", None),
            command("task.delete", "Delete", None),
        ],
    ),
    (
        "Window",
        &[
            N(Native::Minimize),
            N(Native::Zoom),
            Sep,
            N(Native::CloseWindow),
        ],
    ),
    (
        "Help",
        &[command(
            "view.cheatsheet",
            "Keyboard Shortcuts",
            Some("CmdOrCtrl+/"),
        )],
    ),
];

/// Every command a menu item runs and its accelerator, in menu order.
fn commands() -> Vec<(&'static str, Option<&'static str>)> {
    fn walk(entries: &[Entry], out: &mut Vec<(&'static str, Option<&'static str>)>) {
        for entry in entries {
            match entry {
                Entry::Command { id, keys, .. } => out.push((id, *keys)),
                Entry::Sub(_, entries) => walk(entries, out),
                Entry::Separator | Entry::Native(_) => {}
            }
        }
    }
    let mut out = Vec::new();
    for (_, entries) in MENUS {
        walk(entries, &mut out);
    }
    out
}

/// Every command a menu item runs, in menu order (the bindings' `MENU_COMMANDS`).
pub fn command_ids() -> Vec<&'static str> {
    commands().into_iter().map(|(id, _)| id).collect()
}

/// The id of a menu item's command (`None` for the tray's and the system's items).
pub fn command_of(id: &str) -> Option<&'static str> {
    command_ids().into_iter().find(|known| *known == id)
}

/// True where the menu bar is shown: macOS always; elsewhere when `TACK_MENU_BAR=1`.
pub fn wanted() -> bool {
    cfg!(target_os = "macos") || std::env::var_os("TACK_MENU_BAR").is_some_and(|v| v == "1")
}

/// Builds the menu bar and shows it: the app's on macOS, the main window's elsewhere (the quick
/// add window stays bare). Its items reach the main window as `menu-command`.
pub fn install(app: &AppHandle) {
    if !wanted() {
        return;
    }
    let menu = match build(app) {
        Ok(menu) => menu,
        Err(err) => {
            tracing::warn!(%err, "no menu bar");
            return;
        }
    };
    app.on_menu_event(|app, event| {
        if let Some(command) = command_of(event.id().as_ref()) {
            crate::show_main_window(app);
            let event = MenuCommandEvent {
                command: command.to_owned(),
            };
            if let Err(err) = app.emit_to("main", MENU_COMMAND_EVENT, &event) {
                tracing::warn!(?err, "could not hand a menu command to the window");
            }
        }
    });
    let shown = if cfg!(target_os = "macos") {
        app.set_menu(menu).map(drop)
    } else {
        match app.get_webview_window("main") {
            Some(window) => window.set_menu(menu).map(drop),
            None => Ok(()),
        }
    };
    if let Err(err) = shown {
        tracing::warn!(%err, "the menu bar could not be shown");
    }
}

fn build(app: &AppHandle) -> tauri::Result<Menu<Wry>> {
    let menu = Menu::new(app)?;
    for (title, entries) in MENUS {
        let items = items(app, entries)?;
        if items.is_empty() {
            continue;
        }
        let submenu = submenu(app, title, &items)?;
        menu.append(&submenu)?;
    }
    Ok(menu)
}

fn submenu(
    app: &AppHandle,
    title: &str,
    items: &[MenuItemKind<Wry>],
) -> tauri::Result<Submenu<Wry>> {
    let refs: Vec<&dyn IsMenuItem<Wry>> = items
        .iter()
        .map(|item| item as &dyn IsMenuItem<Wry>)
        .collect();
    // macOS puts its own entries (windows, help search) into the menus so named.
    match title {
        "Window" => Submenu::with_id_and_items(app, WINDOW_SUBMENU_ID, title, true, &refs),
        "Help" => Submenu::with_id_and_items(app, HELP_SUBMENU_ID, title, true, &refs),
        _ => Submenu::with_items(app, title, true, &refs),
    }
}

/// A menu's items on this platform: the system's own only on macOS, and no separator
/// leading, trailing or doubled where they were left out.
fn items(app: &AppHandle, entries: &[Entry]) -> tauri::Result<Vec<MenuItemKind<Wry>>> {
    let native = cfg!(target_os = "macos");
    let mut out: Vec<MenuItemKind<Wry>> = Vec::new();
    let mut pending_separator = false;
    for entry in entries {
        let item: MenuItemKind<Wry> = match entry {
            Entry::Separator => {
                pending_separator = !out.is_empty();
                continue;
            }
            Entry::Native(_) if !native => continue,
            Entry::Native(kind) => MenuItemKind::Predefined(predefined(app, *kind)?),
            Entry::Command { id, title, keys } => {
                MenuItemKind::MenuItem(MenuItem::with_id(app, *id, *title, true, *keys)?)
            }
            Entry::Sub(title, entries) => {
                let items = items(app, entries)?;
                MenuItemKind::Submenu(submenu(app, title, &items)?)
            }
        };
        if std::mem::take(&mut pending_separator) {
            out.push(MenuItemKind::Predefined(PredefinedMenuItem::separator(
                app,
            )?));
        }
        out.push(item);
    }
    Ok(out)
}

fn predefined(app: &AppHandle, kind: Native) -> tauri::Result<PredefinedMenuItem<Wry>> {
    match kind {
        Native::About => PredefinedMenuItem::about(app, Some("About Tack"), None),
        Native::Services => PredefinedMenuItem::services(app, None),
        Native::Hide => PredefinedMenuItem::hide(app, None),
        Native::HideOthers => PredefinedMenuItem::hide_others(app, None),
        Native::ShowAll => PredefinedMenuItem::show_all(app, None),
        Native::Quit => PredefinedMenuItem::quit(app, None),
        Native::Undo => PredefinedMenuItem::undo(app, None),
        Native::Redo => PredefinedMenuItem::redo(app, None),
        Native::Cut => PredefinedMenuItem::cut(app, None),
        Native::Copy => PredefinedMenuItem::copy(app, None),
        Native::Paste => PredefinedMenuItem::paste(app, None),
        Native::SelectAll => PredefinedMenuItem::select_all(app, None),
        Native::Minimize => PredefinedMenuItem::minimize(app, None),
        Native::Zoom => PredefinedMenuItem::maximize(app, None),
        Native::Fullscreen => PredefinedMenuItem::fullscreen(app, None),
        Native::CloseWindow => PredefinedMenuItem::close_window(app, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn accelerators() -> Vec<(&'static str, &'static str)> {
        commands()
            .into_iter()
            .filter_map(|(id, keys)| Some((id, keys?)))
            .collect()
    }

    #[test]
    fn each_command_is_in_the_menus_once() {
        let ids = command_ids();
        let unique: HashSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "a command twice: {ids:?}");
        assert!(ids.contains(&"board.new") && ids.contains(&"view.cheatsheet"));
        assert_eq!(command_of("view.search"), Some("view.search"));
        assert_eq!(
            command_of("tray:status"),
            None,
            "the tray's items are not commands"
        );
    }

    #[test]
    fn accelerators_parse_are_distinct_and_need_cmd_or_ctrl() {
        let mut seen = HashSet::new();
        for (id, keys) in accelerators() {
            // The global shortcut's parser reads the same grammar as the menu's accelerators.
            let parsed: tauri_plugin_global_shortcut::Shortcut = keys
                .parse()
                .unwrap_or_else(|err| panic!("{id}: {keys:?} does not parse: {err}"));
            assert!(
                keys.starts_with("CmdOrCtrl+"),
                "{id}: {keys} would be taken from text fields without Cmd/Ctrl"
            );
            assert!(seen.insert(parsed.id()), "{id}: {keys} is used twice");
        }
        assert!(seen.len() >= 10, "the common accelerators are there");
    }

    #[test]
    fn the_quick_add_default_is_not_a_menu_accelerator() {
        let quick: tauri_plugin_global_shortcut::Shortcut = crate::quick_add::DEFAULT_SHORTCUT
            .parse()
            .expect("the default shortcut parses");
        for (id, keys) in accelerators() {
            let parsed: tauri_plugin_global_shortcut::Shortcut =
                keys.parse().expect("parses (checked above)");
            assert_ne!(parsed.id(), quick.id(), "{id} takes the quick add shortcut");
        }
    }
}
