//! The filter grammar (`board_model::query`): the shared JSON table, and parsing never panics.

use std::collections::BTreeMap;

use board_model::query::{self, MatchContext, QueryError, TaskFacts};
use chrono::DateTime;
use proptest::prelude::*;
use serde::Deserialize;

#[derive(Deserialize)]
struct Table {
    now: String,
    me: String,
    people: BTreeMap<String, Vec<String>>,
    tasks: serde_json::Map<String, serde_json::Value>,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    query: String,
    matches: Vec<String>,
    #[serde(default)]
    errors: Vec<ExpectedError>,
}

#[derive(Deserialize, Debug, PartialEq)]
struct ExpectedError {
    start: usize,
    end: usize,
    message: String,
}

#[test]
fn filter_cases_table() {
    let table: Table =
        serde_json::from_str(include_str!("../filter_cases.json")).expect("filter_cases.json");
    let now = DateTime::parse_from_rfc3339(&table.now).unwrap();
    // By id (the table's order does not matter).
    let tasks: Vec<(String, TaskFacts)> = table
        .tasks
        .into_iter()
        .map(|(id, facts)| (id, serde_json::from_value(facts).unwrap()))
        .collect();
    let names_of = |id: &str| table.people.get(id).cloned().unwrap_or_default();
    let context = MatchContext {
        now,
        me: Some(&table.me),
        names_of: &names_of,
        text_matched: false,
    };
    let mut failures = Vec::new();
    for case in &table.cases {
        let parsed = query::parse(&case.query);
        let found: Vec<String> = tasks
            .iter()
            .filter(|(_, facts)| parsed.query.matches(facts, &context))
            .map(|(id, _)| id.clone())
            .collect();
        let errors: Vec<ExpectedError> = parsed
            .errors
            .iter()
            .map(
                |QueryError {
                     start,
                     end,
                     message,
                 }| ExpectedError {
                    start: *start,
                    end: *end,
                    message: message.clone(),
                },
            )
            .collect();
        let mut expected = case.matches.clone();
        expected.sort();
        if found != expected || errors != case.errors {
            failures.push(format!(
                "{:?}: found {found:?}, expected {:?}; errors {errors:?}, expected {:?}",
                case.query, case.matches, case.errors
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

proptest! {
    #[test]
    fn parsing_never_panics_and_spans_are_in_the_text(input in "\\PC{0,80}|[-@:\"<> a-z0-9]{0,40}") {
        let parsed = query::parse(&input);
        for error in &parsed.errors {
            prop_assert!(error.start <= error.end && error.end <= input.len());
            prop_assert!(input.is_char_boundary(error.start) && input.is_char_boundary(error.end));
        }
        let facts = TaskFacts { title: input.clone(), due: Some(input.clone()), ..TaskFacts::default() };
        let names_of = |_: &str| Vec::new();
        let context = MatchContext {
            now: DateTime::parse_from_rfc3339("2026-12-05T10:00:00+01:00").unwrap(),
            me: None,
            names_of: &names_of,
            text_matched: false,
        };
        let _ = parsed.query.matches(&facts, &context);
    }

    #[test]
    fn long_queries_are_cut_not_refused(input in "\\PC{900,1200}") {
        let parsed = query::parse(&input);
        prop_assert!(parsed.query.terms.len() <= query::MAX_TERMS);
    }
}
