//! The Tack relay (placeholder).
