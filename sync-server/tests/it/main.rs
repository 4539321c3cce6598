//! Integration tests of the relay: real sockets on 127.0.0.1, real PostgreSQL and SQLite.

mod accounts;
mod acks;
mod blobs;
mod bounds;
mod cluster;
mod comment_authors;
mod commit;
mod durability;
mod edge;
mod history;
mod hostile;
mod interop;
mod invite_page;
mod metrics;
mod openapi;
mod pooler;
mod read_marks;
mod relay;
mod side_doors;
mod storage;
mod support;
mod traces;
