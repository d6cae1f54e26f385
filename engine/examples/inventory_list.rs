//! Placeholder: replaced by the inventory work.
fn main() {}
