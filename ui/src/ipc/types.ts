// The IPC types, generated from the Rust side (src-tauri/src/ipc.rs, board-model's views) by
// ts-rs into ./bindings/tack.ts. A CI step fails when that file is stale; never edit it by hand.
//
// PROVISIONAL (collab-ui, until collab-shell regenerates the bindings): the collaboration
// types below are copied from /work/handoff/collab-contract.md. Once ./bindings/tack.ts has
// them, everything after the re-export goes.

import type {
  BoardSummary as LocalBoardSummary,
  Commands as LocalCommands,
  Events as LocalEvents,
  BoardView,
  BoardPatchEvent,
} from "./bindings/tack";

export * from "./bindings/tack";

export type Role = "owner" | "editor" | "viewer";
export type SignedInUser = { userId: string; email: string };
export type AccountState = { server: string | null; user: SignedInUser | null };
export type BoardSummary = LocalBoardSummary & { role: Role | null; readOnly: boolean };
export type SyncKind =
  "local" | "signedOut" | "connecting" | "offline" | "syncing" | "synced" | "error";
export type SyncState = { kind: SyncKind; pending: number; text: string };
export type BoardSyncState = {
  boardId: string;
  state: SyncState;
  role: Role | null;
  readOnly: boolean;
};
export type SyncStatusEvent = { overall: SyncState; boards: Array<BoardSyncState> };
export type Member = { userId: string; email: string; role: Role };
export type RemoteBoard = {
  boardId: string;
  role: Role;
  title: string | null;
  downloaded: boolean;
};
export type Invite = { token: string; link: string; role: Role; expiresAt: number };
export type Person = {
  userId: string;
  name: string;
  initials: string;
  color: string;
  selectedTaskId: string | null;
  me: boolean;
};
export type PresenceEvent = { boardId: string; people: Array<Person> };
export type BoardAccessEvent = {
  boardId: string;
  role: Role | null;
  readOnly: boolean;
  reason: string | null;
};
export type BoardClosedEvent = { boardId: string; message: string };
export type ConflictNotice = {
  boardId: string;
  taskId: string;
  field: string;
  winner: string;
  text: string;
};
export type CloseRequestedEvent = { pending: number; text: string };
export type ErrorKind =
  | "notFound"
  | "invalid"
  | "storage"
  | "readOnly"
  | "signedOut"
  | "accessRemoved"
  | "server"
  | "network";
export type IpcError = { kind: ErrorKind; message: string };

export type Commands = Omit<
  LocalCommands,
  "list_boards" | "create_board" | "generate_demo_board"
> & {
  list_boards: { args: Record<string, never>; result: Array<BoardSummary> };
  create_board: { args: { title: string }; result: BoardSummary };
  generate_demo_board: {
    args: { title: string; columns: number; tasks: number };
    result: BoardSummary;
  };
  open_board: { args: { boardId: string }; result: BoardView };
  get_account: { args: Record<string, never>; result: AccountState };
  set_server_url: { args: { url: string }; result: AccountState };
  sign_up: { args: { email: string; password: string }; result: AccountState };
  sign_in: { args: { email: string; password: string }; result: AccountState };
  sign_out: { args: Record<string, never>; result: AccountState };
  sync_status: { args: Record<string, never>; result: SyncStatusEvent };
  confirm_close: { args: Record<string, never>; result: null };
  publish_board: { args: { boardId: string }; result: Role };
  list_members: { args: { boardId: string }; result: Array<Member> };
  share_board: { args: { boardId: string; email: string; role: Role }; result: Member };
  set_member_role: { args: { boardId: string; userId: string; role: Role }; result: null };
  remove_member: { args: { boardId: string; userId: string }; result: null };
  create_invite: { args: { boardId: string; role: Role }; result: Invite };
  accept_invite: { args: { invite: string }; result: RemoteBoard };
  list_remote_boards: { args: Record<string, never>; result: Array<RemoteBoard> };
  open_remote_board: { args: { boardId: string }; result: BoardSummary };
  leave_board: { args: { boardId: string }; result: null };
  set_selection: { args: { boardId: string; taskId: string | null }; result: null };
};

export type Events = LocalEvents & {
  "board-patch": BoardPatchEvent;
  "sync-status": SyncStatusEvent;
  presence: PresenceEvent;
  "board-access": BoardAccessEvent;
  "board-closed": BoardClosedEvent;
  conflict: ConflictNotice;
  "close-requested": CloseRequestedEvent;
};
