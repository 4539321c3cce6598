// The archive view (`A`): what the open board keeps archived, restoring an item (the cursor
// waits on it for when the view closes) or deleting it for good (undo still brings it back).

import { createSignal, type Accessor } from "solid-js";
import * as ipc from "../ipc";
import type { ArchivedItems, BoardOp } from "../ipc";
import type { CommandHandler, CommandId } from "../commands/registry";
import type { BoardStore } from "../model/store";
import type { Overlay } from "./dialogs";

/** A row of the archive view: an archived column, or a task archived in a shown column. */
export type ArchiveEntry =
  | { kind: "column"; id: string; title: string; tasks: number }
  | { kind: "task"; id: string; title: string; columnId: string; columnTitle: string };

/** The view's rows: columns first, then tasks. */
export function archiveEntries(items: ArchivedItems): ArchiveEntry[] {
  return [
    ...items.columns.map((c): ArchiveEntry => ({ kind: "column", ...c })),
    ...items.tasks.map((t): ArchiveEntry => ({ kind: "task", ...t })),
  ];
}

export interface ArchiveDeps {
  store: Accessor<BoardStore | undefined>;
  applyOp: (op: BoardOp) => Promise<string | null>;
  focusTask: (columnId: string, taskId: string) => void;
  focusColumn: (columnId: string) => void;
  notify: (text: string, undo?: boolean) => void;
  setOverlay: (overlay: Overlay) => void;
  spawn: (action: () => Promise<unknown>) => void;
}

export function createArchive(deps: ArchiveDeps) {
  const { store, applyOp, notify } = deps;
  /** The archive view's rows for the open board; null while loading. */
  const [archive, setArchive] = createSignal<readonly ArchiveEntry[] | null>(null);

  /** Reads what the open board keeps archived into `archive`. */
  async function load() {
    const s = store();
    if (!s) return;
    const items = await ipc.listArchived(s.id);
    if (store()?.id !== s.id) return;
    setArchive(archiveEntries(items));
  }

  /** Brings an archived task or column back; the cursor waits on it for when the view closes. */
  async function restoreArchived(entry: ArchiveEntry) {
    if (!store()) return;
    if (entry.kind === "task") {
      await applyOp({ type: "setTaskArchived", taskId: entry.id, archived: false });
      deps.focusTask(entry.columnId, entry.id);
      notify(`Restored “${entry.title}” to ${entry.columnTitle}`, true);
    } else {
      await applyOp({ type: "setColumnArchived", columnId: entry.id, archived: false });
      // As after "New column": `focus` finds the column by id once its patch has arrived.
      deps.focusColumn(entry.id);
      notify(`Restored column “${entry.title}”`, true);
    }
    await load();
  }

  /** Deletes an archived task or column (and its tasks) for good; undo still brings it back. */
  async function deleteArchived(entry: ArchiveEntry) {
    if (entry.kind === "task") {
      await applyOp({ type: "deleteTask", taskId: entry.id });
      notify(`Deleted “${entry.title}”`, true);
    } else {
      await applyOp({ type: "deleteColumn", columnId: entry.id });
      notify(`Deleted column “${entry.title}” and its tasks`, true);
    }
    await load();
  }

  const commands = {
    "board.archived": () => {
      if (!store()) return;
      setArchive(null);
      deps.setOverlay("archive");
      deps.spawn(load);
    },
  } satisfies Partial<Record<CommandId, CommandHandler>>;

  return { archive, load, restoreArchived, deleteArchived, commands };
}
