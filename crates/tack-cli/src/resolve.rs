//! Turning what a person typed (an id or a title prefix) into exactly one id.

use anyhow::{bail, Result};

/// Picks the one candidate `query` names: an exact id, then an id prefix, then an exact title,
/// then a title prefix (titles case-insensitive). Zero or several matches are errors that say
/// what was searched and, when ambiguous, list the candidates.
pub fn resolve<'a>(
    kind: &str,
    query: &str,
    candidates: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<String> {
    let candidates: Vec<(&str, &str)> = candidates.into_iter().collect();
    let wanted = query.trim().to_lowercase();
    if wanted.is_empty() {
        bail!("empty {kind} name");
    }
    type Rule = fn(&str, &str, &str) -> bool;
    let rules: [Rule; 4] = [
        |id, _, q| id == q,
        |id, _, q| q.len() >= 4 && id.starts_with(q),
        |_, title, q| title.to_lowercase() == q,
        |_, title, q| title.to_lowercase().starts_with(q),
    ];
    for rule in rules {
        let matches: Vec<&(&str, &str)> = candidates
            .iter()
            .filter(|(id, title)| rule(id, title, &wanted))
            .collect();
        match matches.as_slice() {
            [] => continue,
            [(id, _)] => return Ok((*id).to_owned()),
            several => {
                let listed: Vec<String> = several
                    .iter()
                    .take(5)
                    .map(|(id, title)| format!("{title:?} ({id})"))
                    .collect();
                bail!(
                    "{kind} {query:?} is ambiguous: {}{}",
                    listed.join(", "),
                    if several.len() > 5 { ", ..." } else { "" }
                );
            }
        }
    }
    bail!("no {kind} matches {query:?}")
}

#[cfg(test)]
mod tests {
    use super::resolve;

    const ITEMS: [(&str, &str); 4] = [
        ("0190-aaaa", "To do"),
        ("0190-bbbb", "Doing"),
        ("0190-cccc", "Done"),
        ("0190-dddd", "done later"),
    ];

    #[test]
    fn picks_by_id_title_and_prefix() {
        assert_eq!(resolve("column", "0190-bbbb", ITEMS).unwrap(), "0190-bbbb");
        assert_eq!(resolve("column", "0190-cc", ITEMS).unwrap(), "0190-cccc");
        assert_eq!(resolve("column", "to", ITEMS).unwrap(), "0190-aaaa");
        assert_eq!(resolve("column", "DONE", ITEMS).unwrap(), "0190-cccc");
        assert_eq!(resolve("column", "doi", ITEMS).unwrap(), "0190-bbbb");
    }

    #[test]
    fn refuses_unknown_and_ambiguous() {
        let err = resolve("column", "do", ITEMS).unwrap_err().to_string();
        assert!(
            err.contains("ambiguous") && err.contains("Doing") && err.contains("Done"),
            "{err}"
        );
        let err = resolve("column", "nope", ITEMS).unwrap_err().to_string();
        assert_eq!(err, "no column matches \"nope\"");
        assert!(resolve("column", "  ", ITEMS).is_err());
    }
}
