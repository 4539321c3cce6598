//! The command names as `build.rs` sees them: read from `commands.rs`'s source (a build script
//! cannot call the crate it builds). A test checks the result against `commands::NAMES`.

/// The name of each function inside the `ipc_commands! { … }` block, in order.
pub fn parse(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut inside = false;
    for line in source.lines() {
        if !inside {
            inside = line.starts_with("ipc_commands! {");
            continue;
        }
        if line == "}" {
            break;
        }
        let mut rest = line.trim_start();
        for prefix in ["pub(crate) ", "pub ", "async "] {
            rest = rest.strip_prefix(prefix).unwrap_or(rest);
        }
        if let Some(signature) = rest.strip_prefix("fn ") {
            if let Some((name, _)) = signature.split_once('(') {
                names.push(name.trim().to_owned());
            }
        }
    }
    names
}
