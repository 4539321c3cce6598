// The commands that change the open board's content in place: rename it; add, rename, limit,
// archive and delete columns; archive and delete tasks. (Moves are in moves.ts, new tasks in
// draft.ts.) Each one ends in an op through ops.ts, so a read-only board refuses it.

import type { Accessor } from "solid-js";
import type { BoardOp, Place } from "../ipc";
import type { CommandHandler, CommandId } from "../commands/registry";
import type { BoardStore } from "../model/store";
import type { Cursor } from "./cursor";
import type { PromptRequest } from "./dialogs";

/** A WIP limit as typed: empty for none, else a whole number (a sentence when it is not). */
export function parseWipLimit(value: string): number | null {
  const wip = value.trim() === "" ? null : Number(value);
  if (wip !== null && (!Number.isInteger(wip) || wip < 0)) {
    throw new Error("A WIP limit is a whole number.");
  }
  return wip;
}

export interface EditsDeps {
  store: Accessor<BoardStore | undefined>;
  focus: Accessor<Cursor>;
  visibleTasks: (columnId: string) => readonly string[];
  detailTaskId: Accessor<string | null>;
  closeDetail: () => void;
  focusColumn: (columnId: string) => void;
  applyOp: (op: BoardOp) => Promise<string | null>;
  ask: (request: PromptRequest) => void;
  spawn: (action: () => Promise<unknown>) => void;
  notify: (text: string, undo?: boolean) => void;
}

export function createEdits(deps: EditsDeps) {
  const { store, focus, applyOp, ask, spawn, notify } = deps;

  /** The focused column's current state, if a column is focused. */
  function focusedColumn() {
    const columnId = focus().columnId;
    return columnId === null ? undefined : store()?.column(columnId)?.();
  }

  const commands = {
    "board.rename": () => {
      const s = store();
      if (!s) return;
      ask({
        title: "Rename board",
        label: "Board title",
        initial: s.title(),
        submit: async (title) => {
          await applyOp({ type: "renameBoard", title });
        },
      });
    },
    "task.archive": (n) => {
      const s = store();
      const f = focus();
      if (!s || f.columnId === null || f.taskId === null) return;
      const ids = deps.visibleTasks(f.columnId).slice(f.taskIndex, f.taskIndex + n);
      spawn(async () => {
        for (const taskId of ids)
          await applyOp({ type: "setTaskArchived", taskId, archived: true });
        notify(ids.length === 1 ? "Task archived" : `${ids.length} tasks archived`, true);
      });
    },
    "task.delete": () => {
      const taskId = focus().taskId;
      if (taskId === null) return;
      if (deps.detailTaskId() === taskId) deps.closeDetail();
      spawn(async () => {
        await applyOp({ type: "deleteTask", taskId });
        notify("Task deleted", true);
      });
    },
    "column.new": () => {
      const after = focus().columnId;
      ask({
        title: "New column",
        label: "Column title",
        initial: "",
        submit: async (title) => {
          const place: Place = after === null ? { kind: "bottom" } : { kind: "after", id: after };
          const id = await applyOp({ type: "addColumn", title, wip: null, place });
          if (id !== null) deps.focusColumn(id);
        },
      });
    },
    "column.rename": () => {
      const column = focusedColumn();
      if (!column) return;
      ask({
        title: "Rename column",
        label: "Column title",
        initial: column.title,
        submit: async (title) => {
          await applyOp({ type: "renameColumn", columnId: column.id, title });
        },
      });
    },
    "column.set_wip": () => {
      const column = focusedColumn();
      if (!column) return;
      ask({
        title: `WIP limit for ${column.title}`,
        label: "Most tasks in progress (empty for no limit)",
        initial: column.wip === null ? "" : String(column.wip),
        submit: async (value) => {
          const wip = parseWipLimit(value);
          await applyOp({ type: "setWipLimit", columnId: column.id, wip });
        },
      });
    },
    "column.delete": () => {
      const columnId = focus().columnId;
      if (columnId === null) return;
      spawn(async () => {
        await applyOp({ type: "deleteColumn", columnId });
        notify("Column and its tasks deleted", true);
      });
    },
    "column.archive": () => {
      const columnId = focus().columnId;
      if (columnId === null) return;
      spawn(async () => {
        await applyOp({ type: "setColumnArchived", columnId, archived: true });
        notify("Column archived", true);
      });
    },
  } satisfies Partial<Record<CommandId, CommandHandler>>;

  return { commands };
}
