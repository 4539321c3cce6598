// Files dropped on the window (Tauri's drag-drop, seen by Rust, which keeps their paths and
// tells the window where they landed): attached to the task whose panel is open, else to the
// card they were dropped on.

import { app } from "./app";
import * as ipc from "../ipc";
import type { FilesDroppedEvent } from "../ipc";

/** The task files dropped at a point go to: the open panel's, else the card's under it. */
export function dropTarget(event: FilesDroppedEvent, doc: Document): string | null {
  const open = app.detailTaskId();
  if (open !== null) return open;
  const under = doc.elementFromPoint(event.x, event.y);
  const card = under?.closest<HTMLElement>("[data-task-id]");
  return card?.dataset.taskId ?? null;
}

/** Attaches dropped files while a board is shown; returns the way to stop. */
export function listenForDroppedFiles(): Promise<() => void> {
  return ipc.on("files-dropped", (event) => {
    const board = app.store();
    if (board === undefined || event.count === 0) return;
    const reason = app.readOnlyReason();
    if (reason !== null) {
      app.notify(reason);
      return;
    }
    const taskId = dropTarget(event, document);
    if (taskId === null) {
      app.notify("Drop files on a card, or on an open task, to attach them.");
      return;
    }
    app.spawn(async () => {
      const attached = await ipc.attachDropped(board.id, taskId);
      if (attached.length > 0) {
        app.notify(
          attached.length === 1
            ? `Attached ${attached[0]?.name ?? "a file"}`
            : `Attached ${attached.length} files`,
        );
      }
    });
  });
}
