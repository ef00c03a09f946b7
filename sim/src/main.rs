//! The `kubesim` command line.
fn main() {}
