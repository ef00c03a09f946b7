//! The in-process kubectl: argument parsing, verbs and printers.

pub mod print;
