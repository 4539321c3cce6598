// The one way an edit of the open board reaches the shell: refused here first on a read-only
// board (drag and drop and the detail panel end here too, not only commands), and "Saving…"
// in the toolbar only when answers are slow.

import { createSignal, type Accessor } from "solid-js";
import * as ipc from "../ipc";
import type { BoardOp } from "../ipc";

/** How long ops may stay unanswered before the toolbar says "Saving…" (no flicker before). */
export const SLOW_SAVE_MS = 250;

export interface OpsDeps {
  /** The open board, or null when none is shown. */
  boardId: () => string | null;
  /** Why the open board cannot be edited here, or null when it can. */
  readOnlyReason: Accessor<string | null>;
  /** The shell refused an edit as read-only before its event reached us. */
  refusedAsReadOnly: (boardId: string, reason: string) => void;
}

export function createOps(deps: OpsDeps) {
  /** Ops sent and not yet answered. */
  let inFlight = 0;
  let slowTimer: ReturnType<typeof setTimeout> | undefined;
  const [saving, setSaving] = createSignal(false);

  /**
   * Applies an op to the open board; the id of what it created, if anything. Several ops go
   * together: one undo step (a card dropped into another swimlane and column).
   */
  async function applyOp(op: BoardOp | BoardOp[]): Promise<string | null> {
    const boardId = deps.boardId();
    if (boardId === null) return null;
    const reason = deps.readOnlyReason();
    if (reason !== null) throw new Error(reason);
    inFlight += 1;
    if (inFlight === 1) slowTimer = setTimeout(() => setSaving(true), SLOW_SAVE_MS);
    try {
      if (Array.isArray(op)) return (await ipc.applyTogether(boardId, op), null);
      return (await ipc.apply(boardId, op)).createdId;
    } catch (error) {
      if (ipc.errorKind(error) === "readOnly") {
        deps.refusedAsReadOnly(boardId, ipc.errorMessage(error));
      }
      throw error;
    } finally {
      inFlight -= 1;
      if (inFlight === 0) {
        clearTimeout(slowTimer);
        setSaving(false);
      }
    }
  }

  return { applyOp, saving };
}
