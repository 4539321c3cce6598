// The UI's IPC: one typed wrapper per command, generated from the Rust command functions into
// ./bindings/tack.ts (`listBoards`, `apply`, …), plus events and error helpers. UI code calls
// these, never invoke.

import type { Backend } from "./backend";
import { chosenBackend, listen, setBackend } from "./backend";
import { tauriBackend } from "./tauri";
import type { BoardPatchEvent, Events, IpcError } from "./types";
import { BOARD_PATCH_EVENT } from "./types";

export * from "./types";

/** Sets the backend directly (tests use a recorded one). */
export function useBackend(chosen: Backend): void {
  setBackend(chosen);
}

/**
 * Picks the backend: the desktop app's. In `vite` dev in a plain browser (or a bundle built
 * with VITE_REPLAY_BACKEND=1) there is no shell: the UI replays a session recorded from the
 * real one (`?replay=<scenario>`, default `collab-presence`), to look at, not to edit: a call
 * the recording lacks fails with a message. `tackReplay.push("…")` in the dev console plays
 * the recording's pushes (a teammate's edit, going offline, …).
 */
export async function connect(): Promise<void> {
  if (connectNow()) return;
  if (import.meta.env.DEV || import.meta.env.VITE_REPLAY_BACKEND === "1") {
    // Only `vite` dev (or that build) has this; the shipped build drops the branch and the
    // module.
    const { createReplayBackend } = await import("../test/replay");
    const scenario = new URLSearchParams(window.location.search).get("replay");
    const replay = createReplayBackend(scenario ?? "collab-presence", {
      anyTime: ["set_selection"],
    });
    Object.assign(window, { tackReplay: replay });
    setBackend(replay);
  } else {
    throw new Error("Tack's interface runs inside the Tack desktop app.");
  }
}

/**
 * Picks the desktop app's backend at once, without waiting: true when a backend is chosen (the
 * app's, or a test's). The window's start asks its first questions before anything yields,
 * because the page's first turn of the event loop comes ~50 ms after its script ran (WebKitGTK,
 * the window being shown).
 */
export function connectNow(): boolean {
  if (chosenBackend()) return true;
  if (typeof window !== "undefined" && "__TAURI_INTERNALS__" in window) {
    setBackend(tauriBackend);
    return true;
  }
  return false;
}

export function onBoardPatch(handler: (event: BoardPatchEvent) => void): Promise<() => void> {
  return listen(BOARD_PATCH_EVENT, handler);
}

/** Listens to one of the app's events (sync status, presence, access, conflicts, closing). */
export function on<E extends keyof Events>(
  event: E,
  handler: (payload: Events[E]) => void,
): Promise<() => void> {
  return listen(event, handler);
}

/** A rejected command's kind, when it has one. */
export function errorKind(error: unknown): IpcError["kind"] | null {
  if (typeof error === "object" && error !== null && "kind" in error) {
    const kind = (error as Partial<IpcError>).kind;
    if (typeof kind === "string") return kind;
  }
  return null;
}

/** A rejected command's message, fit to show. */
export function errorMessage(error: unknown): string {
  if (typeof error === "object" && error !== null && "message" in error) {
    const message = (error as Partial<IpcError>).message;
    if (typeof message === "string") return message;
  }
  return String(error);
}
