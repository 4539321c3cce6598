// The IPC types, generated from the Rust side (src-tauri/src/ipc.rs, board-model's views) by
// ts-rs into ./bindings/tack.ts. A CI step fails when that file is stale; never edit it by hand.

export * from "./bindings/tack";
