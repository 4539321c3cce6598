// The words the app uses for sync state, conflicts and closing with unsynced changes. The
// desktop shell sends them ready-made (`text` fields, see the IPC contract); these builders
// are the same rules in TypeScript, for the in-memory backend and for tests that pin them.

import type { SyncKind, SyncState } from "../ipc/types";

function changes(n: number): string {
  return n === 1 ? "1 change" : `${n} changes`;
}

/**
 * The indicator text for a state; `detail` is the shell's sentence for kinds "error" (the
 * reason) and "readOnly" (changes the relay refused, made in Rust only).
 */
export function syncText(kind: SyncKind, pending: number, detail = ""): string {
  switch (kind) {
    case "synced":
      return "Synced";
    case "syncing":
      return pending === 0 ? "Syncing changes" : `Syncing ${changes(pending)}`;
    case "offline":
      return pending === 0
        ? "Offline — all changes saved on this computer"
        : `Offline — ${changes(pending)} saved on this computer`;
    case "connecting":
      return "Connecting…";
    case "signedOut":
      return "Signed out — sign in to sync";
    case "local":
      return "On this computer only";
    case "readOnly":
      return detail;
    case "error":
      return detail === "" ? "Sync error" : detail;
  }
}

export function syncState(kind: SyncKind, pending: number, detail = ""): SyncState {
  return { kind, pending, text: syncText(kind, pending, detail) };
}

const SEVERITY: Record<SyncKind, number> = {
  local: 0,
  synced: 1,
  syncing: 2,
  connecting: 3,
  offline: 4,
  readOnly: 5,
  signedOut: 6,
  error: 7,
};

/** The app's state: the worst board's, with the pending counts of all boards added up. */
export function overallState(signedIn: boolean, boards: readonly SyncState[]): SyncState {
  if (!signedIn) return syncState("signedOut", 0);
  const shared = boards.filter((s) => s.kind !== "local");
  const worst = shared.reduce<SyncState | undefined>(
    (w, s) => (w === undefined || SEVERITY[s.kind] > SEVERITY[w.kind] ? s : w),
    undefined,
  );
  if (worst === undefined) return syncState("synced", 0);
  if (worst.kind === "error" || worst.kind === "readOnly") return worst;
  const pending = shared.reduce((sum, s) => sum + s.pending, 0);
  return syncState(worst.kind, pending);
}

export const VIEWER_REASON = "You can view this board but not edit it.";
export const REMOVED_MESSAGE =
  "You no longer have access to this board. Your copy stays on this computer, read-only.";

export function conflictText(winner: string, field: string): string {
  return `${winner} changed the ${field} at the same time; their version was kept.`;
}

export function closeText(pending: number): string {
  const has = pending === 1 ? "1 change has" : `${pending} changes have`;
  return `${has} not reached the server yet. Close anyway? It is saved on this computer and will sync next time.`;
}
