//! kubectl's printers: tables for `get`, the text of `describe`, and the helpers they share.

pub mod age;
pub mod describe;
pub mod format;
pub mod get;
pub mod pod_status;
pub mod tabwriter;
