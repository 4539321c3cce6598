//! Replays the fuzz seed corpus and every saved fuzz artifact (crashers) as ordinary tests,
//! with the same checks as the targets in `fuzz/fuzz_targets/`.

use std::path::{Path, PathBuf};

use sync_protocol::{
    decode_awareness_update, decode_state_vector_checked, decode_update_checked, Limits, MuxFrame,
    UpdateLimits, YwsMessage,
};
use yrs::{Doc, ReadTxn, StateVector, Transact};

fn files_under(relative: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(relative);
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(&root) else {
        return files;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if let Ok(inner) = std::fs::read_dir(&path) {
                files.extend(inner.flatten().map(|e| e.path()).filter(|p| p.is_file()));
            }
        } else if path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    files
}

fn decode_frames(data: &[u8]) {
    let limits = Limits::default();
    if let Ok(frame) = MuxFrame::decode(data, &limits) {
        assert_eq!(MuxFrame::decode(&frame.encode(), &limits), Ok(frame));
    }
    if let Ok(message) = YwsMessage::decode(data, &limits) {
        assert_eq!(YwsMessage::decode(&message.encode(), &limits), Ok(message));
    }
    let _ = decode_awareness_update(data, &limits);
}

fn prescan_then_yrs(data: &[u8]) {
    let limits = UpdateLimits::default();
    if let Ok(update) = decode_update_checked(data, &limits) {
        let doc = Doc::new();
        let mut txn = doc.transact_mut();
        let _ = txn.apply_update(update);
        drop(txn);
        let _ = doc
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
    }
    let _ = decode_state_vector_checked(data, &limits);
}

#[test]
fn seed_corpus_and_artifacts_replay_without_panicking() {
    let corpus = files_under("corpus");
    assert!(
        corpus.len() >= 40,
        "seed corpus missing: {} files",
        corpus.len()
    );
    for path in corpus.iter().chain(files_under("artifacts").iter()) {
        let data = std::fs::read(path).expect("read fuzz input");
        // Every input goes through both targets: a crasher of one is a fine input for the other.
        decode_frames(&data);
        prescan_then_yrs(&data);
    }
}

#[test]
fn seed_sync_payloads_are_accepted() {
    for path in files_under("corpus/prescan_then_yrs") {
        let data = std::fs::read(&path).expect("read seed");
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if !name.starts_with("seed-") {
            continue; // inputs the fuzzer found, not committed
        }
        let is_state_vector = name.contains("step1");
        let accepted = if is_state_vector {
            decode_state_vector_checked(&data, &UpdateLimits::default()).is_ok()
        } else {
            decode_update_checked(&data, &UpdateLimits::default()).is_ok()
        };
        assert!(accepted, "{name} refused");
    }
}
