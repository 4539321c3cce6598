//! sync-protocol (placeholder until its module lands).
