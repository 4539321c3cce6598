//! A board as a readable Markdown document (`tackctl export --format md`, the app's export).

use std::fmt::Write as _;

use board_model::BoardView;

/// Columns in order, each task with its labels, assignees (as the view names them), due and checklist.
pub fn render(view: &BoardView) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", view.title);
    for column in &view.columns {
        let _ = write!(out, "## {}", column.title);
        if let Some(wip) = column.wip {
            let _ = write!(out, " ({} of {wip})", column.tasks.len());
        }
        out.push_str("\n\n");
        if column.tasks.is_empty() {
            out.push_str("_No tasks._\n\n");
            continue;
        }
        for task in &column.tasks {
            let _ = write!(out, "- **{}**", task.title);
            for label in &task.labels {
                let name = view
                    .labels
                    .iter()
                    .find(|l| &l.id == label)
                    .map_or(label.as_str(), |l| l.name.as_str());
                let _ = write!(out, " `{name}`");
            }
            for user in &task.assignees {
                let _ = write!(out, " @{user}");
            }
            if let Some(due) = &task.due {
                let _ = write!(out, " — due {due}");
            }
            out.push('\n');
            for line in task.description.lines() {
                let _ = writeln!(out, "  {line}");
            }
            for item in &task.checklist {
                let mark = if item.done { 'x' } else { ' ' };
                let _ = writeln!(out, "  - [{mark}] {}", item.text);
            }
        }
        out.push('\n');
    }
    out
}
