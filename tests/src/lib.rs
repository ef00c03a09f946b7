//! Cross-crate tests for kubesim live in `tests/tests/`.
