//! tack-server (placeholder).
fn main() {}
