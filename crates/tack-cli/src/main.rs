//! `tackctl` (placeholder).
fn main() {}
