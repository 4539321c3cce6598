// The one list of named commands. Key bindings, the command palette and the `?` cheat sheet
// are all generated from it, so a command cannot exist in one place and be missing in another.

import type { Binding } from "./keymap";

export interface CommandSpec {
  readonly id: string;
  readonly title: string;
  readonly group: "Navigate" | "Tasks" | "Columns" | "Boards" | "Sharing" | "Edit" | "View";
  /** Default key sequences; the first is the one shown. Empty: palette only. */
  readonly keys: readonly string[];
  /** Changes the board: disabled, with the reason shown, where I can only view it. */
  readonly edits?: true;
}

export const COMMANDS = [
  { id: "cursor.down", title: "Next task", group: "Navigate", keys: ["j", "ArrowDown"] },
  { id: "cursor.up", title: "Previous task", group: "Navigate", keys: ["k", "ArrowUp"] },
  { id: "cursor.left", title: "Previous column", group: "Navigate", keys: ["h", "ArrowLeft"] },
  { id: "cursor.right", title: "Next column", group: "Navigate", keys: ["l", "ArrowRight"] },
  { id: "cursor.first", title: "First task in column", group: "Navigate", keys: ["g g"] },
  { id: "cursor.last", title: "Last task in column", group: "Navigate", keys: ["G"] },
  { id: "board.next", title: "Next board", group: "Boards", keys: ["]"] },
  { id: "board.previous", title: "Previous board", group: "Boards", keys: ["["] },
  { id: "board.new", title: "New board (empty or from a template)…", group: "Boards", keys: ["B"] },
  { id: "board.rename", title: "Rename board", group: "Boards", keys: [], edits: true },
  { id: "board.duplicate", title: "Duplicate board…", group: "Boards", keys: [] },
  { id: "board.save_template", title: "Save board as template…", group: "Boards", keys: [] },
  { id: "board.delete", title: "Delete board", group: "Boards", keys: [] },
  {
    id: "board.archived",
    title: "Archived tasks and columns",
    group: "Boards",
    keys: ["A"],
  },
  {
    id: "board.generate_demo",
    title: "Generate a demo board (20 columns, 10,000 tasks)",
    group: "Boards",
    keys: [],
  },
  { id: "board.import_trello", title: "Import a Trello board (JSON)…", group: "Boards", keys: [] },
  {
    id: "board.import_csv",
    title: "Import tasks from CSV as a new board…",
    group: "Boards",
    keys: [],
  },
  {
    id: "board.import_csv_here",
    title: "Import tasks from CSV into this board…",
    group: "Boards",
    keys: [],
    edits: true,
  },
  { id: "board.export_markdown", title: "Export board as Markdown…", group: "Boards", keys: [] },
  { id: "board.export_csv", title: "Export board as CSV…", group: "Boards", keys: [] },
  { id: "board.export_json", title: "Export board as JSON…", group: "Boards", keys: [] },
  { id: "board.export_yjs", title: "Export board as a Yjs update…", group: "Boards", keys: [] },
  { id: "board.new_task", title: "New task below", group: "Tasks", keys: ["o"], edits: true },
  { id: "task.new_above", title: "New task above", group: "Tasks", keys: ["O"], edits: true },
  { id: "task.edit", title: "Open task details", group: "Tasks", keys: ["Enter", "i"] },
  { id: "task.comment", title: "Comment on task", group: "Tasks", keys: ["c"], edits: true },
  { id: "task.archive", title: "Archive task", group: "Tasks", keys: ["d d"], edits: true },
  { id: "task.delete", title: "Delete task", group: "Tasks", keys: ["D"], edits: true },
  { id: "task.yank", title: "Copy task (to paste anywhere)", group: "Tasks", keys: ["y y"] },
  { id: "task.paste", title: "Paste task below", group: "Tasks", keys: ["p"], edits: true },
  { id: "task.duplicate", title: "Duplicate task", group: "Tasks", keys: [], edits: true },
  {
    id: "task.move_left",
    title: "Move task to previous column",
    group: "Tasks",
    keys: ["H"],
    edits: true,
  },
  {
    id: "task.move_right",
    title: "Move task to next column",
    group: "Tasks",
    keys: ["L"],
    edits: true,
  },
  { id: "task.move_down", title: "Move task down", group: "Tasks", keys: ["J"], edits: true },
  { id: "task.move_up", title: "Move task up", group: "Tasks", keys: ["K"], edits: true },
  {
    id: "task.lane_down",
    title: "Move task to the next swimlane",
    group: "Tasks",
    keys: ["Alt+Shift+j"],
    edits: true,
  },
  {
    id: "task.lane_up",
    title: "Move task to the previous swimlane",
    group: "Tasks",
    keys: ["Alt+Shift+k"],
    edits: true,
  },
  { id: "task.attach", title: "Attach files to task…", group: "Tasks", keys: [], edits: true },
  { id: "column.new", title: "New column", group: "Columns", keys: ["C"], edits: true },
  { id: "column.rename", title: "Rename column", group: "Columns", keys: ["R"], edits: true },
  { id: "column.set_wip", title: "Set WIP limit", group: "Columns", keys: ["W"], edits: true },
  { id: "column.move_left", title: "Move column left", group: "Columns", keys: ["<"], edits: true },
  {
    id: "column.move_right",
    title: "Move column right",
    group: "Columns",
    keys: [">"],
    edits: true,
  },
  { id: "column.archive", title: "Archive column", group: "Columns", keys: [], edits: true },
  {
    id: "column.delete",
    title: "Delete column and its tasks",
    group: "Columns",
    keys: [],
    edits: true,
  },
  { id: "board.share", title: "Share board…", group: "Sharing", keys: ["S"] },
  { id: "board.publish", title: "Publish board to the server", group: "Sharing", keys: [] },
  { id: "board.invite_link", title: "Create an invite link", group: "Sharing", keys: [] },
  {
    id: "board.accept_invite",
    title: "Join a board from an invite link",
    group: "Sharing",
    keys: [],
  },
  { id: "board.leave", title: "Leave board", group: "Sharing", keys: [] },
  { id: "account.settings", title: "Account and server settings", group: "Sharing", keys: [","] },
  { id: "account.sign_out", title: "Sign out", group: "Sharing", keys: [] },
  { id: "edit.undo", title: "Undo", group: "Edit", keys: ["u", "Mod+z"], edits: true },
  { id: "edit.redo", title: "Redo", group: "Edit", keys: ["Ctrl+r", "Mod+Shift+z"], edits: true },
  { id: "view.filter", title: "Filter tasks", group: "View", keys: ["/"] },
  { id: "view.views", title: "Saved views of this board…", group: "View", keys: ["v"] },
  {
    id: "view.save_view",
    title: "Save view… (this filter, sort and swimlanes, for everyone on the board)",
    group: "View",
    keys: [],
    edits: true,
  },
  { id: "filter.next", title: "Next task matching the filter", group: "Navigate", keys: ["n"] },
  {
    id: "filter.previous",
    title: "Previous task matching the filter",
    group: "Navigate",
    keys: ["N"],
  },
  { id: "view.search", title: "Search every board", group: "Navigate", keys: ["Mod+p", "g /"] },
  {
    id: "view.my_tasks",
    title: "My tasks (assigned to me, every board)",
    group: "Navigate",
    keys: ["g m"],
  },
  { id: "view.sidebar", title: "Show or hide the sidebar", group: "View", keys: ["Mod+b"] },
  { id: "view.density", title: "Compact or comfortable cards", group: "View", keys: ["z d"] },
  {
    id: "view.sort",
    title: "Sort cards: board order, deadline, newest, updated, title",
    group: "View",
    keys: ["z s"],
  },
  {
    id: "view.lanes",
    title: "Group the board into swimlanes (press again for the next grouping)",
    group: "View",
    keys: ["z g"],
  },
  { id: "view.inbox", title: "Inbox: what concerns me", group: "View", keys: ["g i"] },
  { id: "app.check_update", title: "Check for updates", group: "View", keys: [] },
  { id: "app.install_update", title: "Install update", group: "View", keys: [] },
  { id: "app.restart_update", title: "Restart to update", group: "View", keys: [] },
  {
    id: "app.quick_add",
    title: "Quick add a task",
    group: "Tasks",
    keys: [],
  },
  { id: "app.quick_add_shortcut", title: "Set the quick add shortcut…", group: "View", keys: [] },
  { id: "view.palette", title: "Command palette", group: "View", keys: ["Mod+k", ":"] },
  { id: "view.cheatsheet", title: "Keyboard shortcuts", group: "View", keys: ["?"] },
  { id: "view.back", title: "Back out", group: "View", keys: ["Escape"] },
] as const satisfies readonly CommandSpec[];

export type CommandId = (typeof COMMANDS)[number]["id"];

/** What running a command needs: how many times (the count prefix, 1 by default). */
export type CommandHandler = (count: number) => void;

export function bindingsOf(commands: readonly CommandSpec[]): Binding<CommandId>[] {
  return commands.flatMap((c) => c.keys.map((keys) => ({ keys, command: c.id as CommandId })));
}

export function commandById(id: CommandId): CommandSpec {
  const found = COMMANDS.find((c) => c.id === id);
  if (!found) throw new Error(`unknown command ${id}`);
  return found;
}

/** True for commands that change the board (disabled where I can only view it). */
export function editsBoard(id: CommandId): boolean {
  return commandById(id).edits === true;
}

/** A key sequence as people read it: "g g", "Ctrl K", "⌘K". */
export function describeKeys(keys: string, isMac: boolean): string {
  return keys
    .split(" ")
    .map((key) =>
      key
        .replace(/^Mod\+/, isMac ? "⌘" : "Ctrl ")
        .replace(/Shift\+/, isMac ? "⇧" : "Shift ")
        .replace(/^Ctrl\+/, "Ctrl ")
        .replace("ArrowDown", "↓")
        .replace("ArrowUp", "↑")
        .replace("ArrowLeft", "←")
        .replace("ArrowRight", "→")
        .replace("Escape", "Esc"),
    )
    .join(" ");
}

export interface Registry {
  run(id: CommandId, count?: number): void;
}

/** Every command must have a handler: the Record type makes a missing one a type error. */
export function createRegistry(handlers: Record<CommandId, CommandHandler>): Registry {
  return {
    run(id, count = 1) {
      handlers[id](count);
    },
  };
}
