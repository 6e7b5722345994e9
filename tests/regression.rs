//! Scenarios from upstream Supervisor issues, named after them (`issue_638` is
//! https://github.com/Supervisor/supervisor/issues/638), run against our daemon and, where
//! the outcome is deterministic, against Python's.
