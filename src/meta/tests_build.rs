//! The column rules of `build`, one test per rule.
