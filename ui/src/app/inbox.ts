// The inbox (`g i`): what concerns me across boards (mentions, assignments, comments and moves
// of my tasks, due soon, fired reminders), newest first, with read state. Enter opens the task
// on its board (cursor on it, details open) and marks it read; `u` toggles read; `Shift+a`
// marks everything read. The unread count (sidebar) is read at start and follows `inbox` events.

import { createSignal, type Accessor } from "solid-js";
import * as ipc from "../ipc";
import type { InboxItem, InboxView } from "../ipc";
import type { CommandHandler, CommandId } from "../commands/registry";
import type { BoardStore } from "../model/store";
import type { Overlay } from "./dialogs";

/** What a key does in the inbox list. */
export type InboxAction = "down" | "up" | "first" | "last" | "open" | "toggleRead" | "allRead";

/** The inbox's keys (no modifiers but Shift). */
export function inboxAction(key: string, modified: boolean): InboxAction | undefined {
  if (modified) return undefined;
  const keys: Record<string, InboxAction> = {
    j: "down",
    ArrowDown: "down",
    k: "up",
    ArrowUp: "up",
    Home: "first",
    g: "first",
    End: "last",
    G: "last",
    Enter: "open",
    u: "toggleRead",
    A: "allRead",
  };
  return keys[key];
}

/** The selected row after `action` over `count` rows. */
export function inboxSelection(selected: number, action: InboxAction, count: number): number {
  const last = Math.max(0, count - 1);
  switch (action) {
    case "down":
      return Math.min(selected + 1, last);
    case "up":
      return Math.max(selected - 1, 0);
    case "first":
      return 0;
    case "last":
      return last;
    default:
      return Math.min(selected, last);
  }
}

/** "3 min ago", "2 h ago", "yesterday", or the date. */
export function agoText(at: number, now: number): string {
  const minutes = Math.floor((now - at) / 60_000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  if (hours < 48) return "yesterday";
  return new Date(at).toISOString().slice(0, 10);
}

export interface InboxDeps {
  store: Accessor<BoardStore | undefined>;
  openBoard: (boardId: string, options?: { whole?: boolean }) => Promise<void>;
  focusTask: (columnId: string, taskId: string) => void;
  openDetail: (taskId: string) => void;
  setOverlay: (overlay: Overlay) => void;
  closeOverlay: () => void;
  notify: (text: string) => void;
  spawn: (action: () => Promise<unknown>) => void;
}

export function createInbox(deps: InboxDeps) {
  /** The inbox view's rows; null while loading. */
  const [inbox, setInbox] = createSignal<InboxView | null>(null);
  const [unread, setUnread] = createSignal(0);

  async function load() {
    const view = await ipc.inbox();
    setInbox(view);
    setUnread(view.unread);
  }

  function show(view: InboxView) {
    setInbox(view);
    setUnread(view.unread);
  }

  /** Opens the entry's task on its board (cursor on it, details open) and marks it read. */
  async function openItem(item: InboxItem) {
    if (!item.read) show(await ipc.setInboxRead([item.key], true));
    deps.closeOverlay();
    await deps.openBoard(item.boardId, { whole: true });
    const column = deps.store()?.columnOf(item.taskId);
    if (deps.store()?.id !== item.boardId || column === undefined) {
      deps.notify(`“${item.title}” is no longer on ${item.boardTitle || "its board"}`);
      return;
    }
    deps.focusTask(column, item.taskId);
    deps.openDetail(item.taskId);
  }

  async function toggleRead(item: InboxItem) {
    show(await ipc.setInboxRead([item.key], !item.read));
  }

  async function markAllRead() {
    show(await ipc.markInboxRead());
  }

  const commands = {
    "view.inbox": () => {
      setInbox(null);
      deps.setOverlay("inbox");
      deps.spawn(load);
    },
  } satisfies Partial<Record<CommandId, CommandHandler>>;

  return { inbox, unread, setUnread, load, openItem, toggleRead, markAllRead, commands };
}
