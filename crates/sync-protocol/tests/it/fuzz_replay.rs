//! Replays the fuzz seed corpus and every saved fuzz artifact as ordinary tests.
