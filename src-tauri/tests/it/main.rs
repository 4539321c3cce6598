//! Integration tests of the desktop app: the generated IPC bindings, the session's durable
//! changes and patches on a real SQLite store, and the real app driven through WebDriver.

mod app;
mod attach;
mod bindings;
mod collab;
mod collab_e2e;
mod deep_link;
mod e2e;
mod filter_e2e;
mod menu_e2e;
mod notify;
mod palette;
mod quick_add_e2e;
mod recorded;
mod session;
mod start_e2e;
mod thumbnails_e2e;
mod update_e2e;
