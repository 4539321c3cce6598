//! test-support (placeholder until its module lands).
