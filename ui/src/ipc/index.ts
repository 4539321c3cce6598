// Typed wrappers over the app's IPC commands and events. UI code calls these, never invoke.

import type { Backend } from "./backend";
import { tauriBackend } from "./tauri";
import type {
  BoardOp,
  BoardPatchEvent,
  BoardSummary,
  BoardView,
  IpcError,
  OpResult,
} from "./types";
import { BOARD_PATCH_EVENT } from "./types";

export type * from "./types";

let backend: Backend | undefined;

/** Sets the backend directly (tests use the in-memory fake). */
export function useBackend(chosen: Backend): void {
  backend = chosen;
}

/** Picks the backend: the desktop app's, or in `vite` dev mode an in-memory fake. */
export async function connect(): Promise<void> {
  if (backend) return;
  if ("__TAURI_INTERNALS__" in window) {
    backend = tauriBackend;
  } else if (import.meta.env.DEV || import.meta.env.VITE_FAKE_BACKEND === "1") {
    // Only `vite` dev (or a build made with VITE_FAKE_BACKEND=1 to try the bundle in a
    // browser) has this; the shipped build drops the branch and the module.
    const { createFakeBackend } = await import("./fake");
    backend = createFakeBackend(new URLSearchParams(window.location.search));
  } else {
    throw new Error("Tack's interface runs inside the Tack desktop app.");
  }
}

function use(): Backend {
  if (!backend) throw new Error("IPC used before connect()");
  return backend;
}

export function listBoards(): Promise<BoardSummary[]> {
  return use().call("list_boards", {});
}

export function createBoard(title: string): Promise<BoardSummary> {
  return use().call("create_board", { title });
}

export async function deleteBoard(boardId: string): Promise<void> {
  await use().call("delete_board", { boardId });
}

export function openBoard(boardId: string): Promise<BoardView> {
  return use().call("open_board", { boardId });
}

export function apply(boardId: string, op: BoardOp): Promise<OpResult> {
  return use().call("apply", { boardId, op });
}

export function undo(boardId: string): Promise<boolean> {
  return use().call("undo", { boardId });
}

export function redo(boardId: string): Promise<boolean> {
  return use().call("redo", { boardId });
}

export function generateDemoBoard(
  title: string,
  columns: number,
  tasks: number,
): Promise<BoardSummary> {
  return use().call("generate_demo_board", { title, columns, tasks });
}

export function onBoardPatch(handler: (event: BoardPatchEvent) => void): Promise<() => void> {
  return use().listen(BOARD_PATCH_EVENT, handler);
}

/** A rejected command's message, fit to show. */
export function errorMessage(error: unknown): string {
  if (typeof error === "object" && error !== null && "message" in error) {
    const message = (error as Partial<IpcError>).message;
    if (typeof message === "string") return message;
  }
  return String(error);
}
