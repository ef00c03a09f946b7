//! Teaching scenarios: a YAML file of narrated steps and checked expectations
//! (`scenarios/README.md` documents every field). `format` reads and checks a file,
//! reporting every error at once; `run` plays it on a fresh cluster; `compare` plays its
//! imperative and declarative tracks side by side; `notes` is the curriculum it covers.

pub mod compare;
pub mod diagnose;
pub mod expect;
pub mod format;
pub mod notes;
#[cfg(feature = "docker")]
pub mod replay;
pub mod run;

pub use format::{Scenario, ScenarioError, parse};
pub use run::{Report, RunOptions, run};
