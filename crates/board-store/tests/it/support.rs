//! Shared helpers: real Yjs updates from a small editor, and rendering stored boards.

use std::collections::BTreeMap;
use std::path::PathBuf;

use board_store::{BoardRecord, LoadedBoard, Store};
use yrs::updates::decoder::Decode;
use yrs::{Doc, Map, MapRef, ReadTxn, Transact, Update};

/// A yrs document producing one v1 update per edit, like board-model would.
pub struct Editor {
    doc: Doc,
    map: MapRef,
}

impl Editor {
    pub fn new(client_id: u64) -> Editor {
        let doc = Doc::with_client_id(client_id);
        let map = doc.get_or_insert_map("m");
        Editor { doc, map }
    }

    /// Sets `key` to `value` and returns the update describing just that edit.
    pub fn set(&mut self, key: &str, value: &str) -> Vec<u8> {
        let before = self.doc.transact().state_vector();
        {
            let mut txn = self.doc.transact_mut();
            self.map.insert(&mut txn, key, value);
        }
        self.doc.transact().encode_diff_v1(&before)
    }

    /// Removes `key` (creating tombstones that compaction garbage-collects).
    pub fn remove(&mut self, key: &str) -> Vec<u8> {
        let before = self.doc.transact().state_vector();
        {
            let mut txn = self.doc.transact_mut();
            self.map.remove(&mut txn, key);
        }
        self.doc.transact().encode_diff_v1(&before)
    }
}

/// The contents of map "m" after applying every piece in order.
pub fn render_pieces<'a>(pieces: impl IntoIterator<Item = &'a [u8]>) -> BTreeMap<String, String> {
    let doc = Doc::new();
    let map = doc.get_or_insert_map("m");
    {
        let mut txn = doc.transact_mut();
        for bytes in pieces {
            let update = Update::decode_v1(bytes).expect("stored update decodes");
            txn.apply_update(update).expect("stored update applies");
        }
    }
    let txn = doc.transact();
    map.iter(&txn)
        .map(|(key, value)| (key.to_owned(), value.to_string(&txn)))
        .collect()
}

/// Rebuilds a board the way the app does: snapshot, then tail.
pub fn render(loaded: &LoadedBoard) -> BTreeMap<String, String> {
    render_pieces(
        loaded
            .snapshot
            .iter()
            .chain(loaded.updates.iter())
            .map(Vec::as_slice),
    )
}

pub fn record(id: &str, title: &str, created_at_ms: i64) -> BoardRecord {
    BoardRecord {
        id: id.to_owned(),
        title: title.to_owned(),
        created_at_ms,
        server: None,
        role: None,
        last_synced_at_ms: None,
    }
}

pub fn temp_store() -> (tempfile::TempDir, PathBuf, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("tack.sqlite3");
    let store = Store::open(&path).expect("open new store");
    (dir, path, store)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
