//! Integration tests of the sync client against the real relay on loopback and PostgreSQL.

mod backoff;
mod chaos;
mod convergence;
mod network;
mod read_only;
mod support;
mod unsubscribe;
