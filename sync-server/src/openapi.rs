//! The OpenAPI 3.1 description of the `/v1` JSON API, served at `/v1/openapi.json`. Written by
//! hand (a generator would cost more compile time than this file); `tests/it/accounts.rs`
//! checks that every route the router serves is described here.

/// The document, as served.
pub const DOCUMENT: &str = include_str!("openapi.json");
