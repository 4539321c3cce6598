// Typed wrappers over the app's IPC commands and events. UI code calls these, never invoke.

import type { Backend } from "./backend";
import { tauriBackend } from "./tauri";
import type {
  AccountState,
  ArchivedItems,
  BoardOp,
  BoardPatchEvent,
  BoardSummary,
  BoardView,
  Events,
  Invite,
  IpcError,
  Member,
  OpResult,
  RemoteBoard,
  Role,
  SyncStatusEvent,
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
    const fake = createFakeBackend(new URLSearchParams(window.location.search));
    // `tackFake.setOnline(false)`, `.setRole(…)`, `.conflict(…)`… from the dev console.
    Object.assign(window, { tackFake: fake.sim });
    backend = fake;
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

/** What the board keeps archived, for the archive view. */
export function listArchived(boardId: string): Promise<ArchivedItems> {
  return use().call("list_archived", { boardId });
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

export function getAccount(): Promise<AccountState> {
  return use().call("get_account", {});
}

export function setServerUrl(url: string): Promise<AccountState> {
  return use().call("set_server_url", { url });
}

export function signUp(email: string, password: string): Promise<AccountState> {
  return use().call("sign_up", { email, password });
}

export function signIn(email: string, password: string): Promise<AccountState> {
  return use().call("sign_in", { email, password });
}

export function signOut(): Promise<AccountState> {
  return use().call("sign_out", {});
}

export function syncStatus(): Promise<SyncStatusEvent> {
  return use().call("sync_status", {});
}

export async function confirmClose(): Promise<void> {
  await use().call("confirm_close", {});
}

export function publishBoard(boardId: string): Promise<Role> {
  return use().call("publish_board", { boardId });
}

export function listMembers(boardId: string): Promise<Member[]> {
  return use().call("list_members", { boardId });
}

export function shareBoard(boardId: string, email: string, role: Role): Promise<Member> {
  return use().call("share_board", { boardId, email, role });
}

export async function setMemberRole(boardId: string, userId: string, role: Role): Promise<void> {
  await use().call("set_member_role", { boardId, userId, role });
}

export async function removeMember(boardId: string, userId: string): Promise<void> {
  await use().call("remove_member", { boardId, userId });
}

export function createInvite(boardId: string, role: Role): Promise<Invite> {
  return use().call("create_invite", { boardId, role });
}

export function acceptInvite(invite: string): Promise<RemoteBoard> {
  return use().call("accept_invite", { invite });
}

export function listRemoteBoards(): Promise<RemoteBoard[]> {
  return use().call("list_remote_boards", {});
}

export function openRemoteBoard(boardId: string): Promise<BoardSummary> {
  return use().call("open_remote_board", { boardId });
}

export async function leaveBoard(boardId: string): Promise<void> {
  await use().call("leave_board", { boardId });
}

export async function setSelection(boardId: string, taskId: string | null): Promise<void> {
  await use().call("set_selection", { boardId, taskId });
}

/** Listens to one of the app's events (sync status, presence, access, conflicts, closing). */
export function on<E extends keyof Events>(
  event: E,
  handler: (payload: Events[E]) => void,
): Promise<() => void> {
  return use().listen(event, handler);
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
