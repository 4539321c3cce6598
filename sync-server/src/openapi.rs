//! The OpenAPI 3.1 description of the `/v1` JSON API, served at `/v1/openapi.json`. Written by
//! hand (a generator would cost more compile time than this file); `tests/it/openapi.rs`
//! checks that it describes exactly the routes the router serves (`api::ENDPOINTS`) and that
//! the relay's real answers match its schemas.

/// The document, as served.
pub const DOCUMENT: &str = include_str!("openapi.json");
