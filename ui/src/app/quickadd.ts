// Quick add (the global shortcut, or the palette's "Quick add…"): a small window of its own
// that adds a task to a chosen board and column without bringing up the main window. The
// choice is remembered per computer (webview storage, shared with the main window); Enter
// adds and hides the window, Ctrl/Cmd-Enter adds and stays for another, Esc hides it.

import { createSignal } from "solid-js";
import * as ipc from "../ipc";
import type { BoardSummary, ColumnChoice } from "../ipc";
import { readSetting, writeSetting } from "./settings";

const BOARD_KEY = "tack.quickAdd.board";
const columnKey = (board: string) => `tack.quickAdd.column.${board}`;

/** Storage as quick add uses it (webview storage; a map in tests). */
export interface Remembered {
  get(key: string): string | null;
  set(key: string, value: string): void;
}

export const webStorage: Remembered = { get: readSetting, set: writeSetting };

/** The remembered id if it is still offered, else the first offered one. */
export function pick(offered: readonly { id: string }[], remembered: string | null) {
  return offered.find((item) => item.id === remembered)?.id ?? offered[0]?.id ?? null;
}

export function createQuickAdd(storage: Remembered = webStorage) {
  const [boards, setBoards] = createSignal<BoardSummary[]>([]);
  const [board, setBoard] = createSignal<string | null>(null);
  const [columns, setColumns] = createSignal<ColumnChoice[]>([]);
  const [column, setColumn] = createSignal<string | null>(null);
  const [title, setTitle] = createSignal("");
  const [message, setMessage] = createSignal<string | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [shortcut, setShortcut] = createSignal("");

  /** The columns being read for the board just chosen: adding waits for them. */
  let choosing: Promise<void> = Promise.resolve();

  function chooseBoard(id: string | null): Promise<void> {
    choosing = readColumns(id);
    return choosing;
  }

  async function readColumns(id: string | null) {
    setBoard(id);
    setColumns([]);
    setColumn(null);
    if (id === null) return;
    try {
      const offered = await ipc.boardColumns(id);
      if (board() !== id) return; // Another board was chosen meanwhile.
      setColumns(offered);
      setColumn(pick(offered, storage.get(columnKey(id))));
      setError(offered.length === 0 ? "This board has no column yet." : null);
    } catch (err) {
      setError(ipc.errorMessage(err));
    }
  }

  /** Starts afresh: the boards I can write to, the remembered board and column. */
  async function load() {
    setMessage(null);
    setError(null);
    try {
      const writable = (await ipc.listBoards()).filter((b) => !b.readOnly);
      setBoards(writable);
      if (writable.length === 0) {
        setError("No board to add to yet: make one in Tack first.");
        await chooseBoard(null);
        return;
      }
      await chooseBoard(pick(writable, storage.get(BOARD_KEY)));
    } catch (err) {
      setError(ipc.errorMessage(err));
    }
  }

  /** Adds the task; `stay` keeps the window open for another. False when nothing was added. */
  async function submit(stay: boolean): Promise<boolean> {
    await choosing;
    const text = title().trim();
    const [boardId, columnId] = [board(), column()];
    if (text === "") {
      setError("Type the task's title first.");
      return false;
    }
    if (boardId === null || columnId === null) {
      setError("Choose a board and a column first.");
      return false;
    }
    try {
      await ipc.apply(boardId, {
        type: "addTask",
        columnId,
        title: text,
        place: { kind: "bottom" },
        description: null,
      });
    } catch (err) {
      setError(ipc.errorMessage(err));
      return false;
    }
    storage.set(BOARD_KEY, boardId);
    storage.set(columnKey(boardId), columnId);
    const where = [
      boards().find((b) => b.id === boardId)?.title,
      columns().find((c) => c.id === columnId)?.title,
    ].join(" › ");
    setTitle("");
    setError(null);
    setMessage(`Added “${text}” to ${where}.`);
    if (!stay) await ipc.hideQuickAdd();
    return true;
  }

  async function close() {
    setTitle("");
    await ipc.hideQuickAdd();
  }

  return {
    boards,
    board,
    chooseBoard,
    columns,
    column,
    setColumn,
    title,
    setTitle,
    message,
    error,
    shortcut,
    setShortcut,
    load,
    submit,
    close,
  };
}

export type QuickAdd = ReturnType<typeof createQuickAdd>;
