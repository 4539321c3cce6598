// The one list of named commands. Key bindings, the command palette and the `?` cheat sheet
// are all generated from it, so a command cannot exist in one place and be missing in another.

import type { Binding } from "./keymap";

export interface CommandSpec {
  readonly id: string;
  readonly title: string;
  readonly group: "Navigate" | "Tasks" | "Columns" | "Boards" | "Edit" | "View";
  /** Default key sequences; the first is the one shown. Empty: palette only. */
  readonly keys: readonly string[];
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
  { id: "board.new", title: "New board", group: "Boards", keys: ["B"] },
  { id: "board.rename", title: "Rename board", group: "Boards", keys: [] },
  { id: "board.delete", title: "Delete board", group: "Boards", keys: [] },
  {
    id: "board.generate_demo",
    title: "Generate a demo board (20 columns, 10,000 tasks)",
    group: "Boards",
    keys: [],
  },
  { id: "board.new_task", title: "New task below", group: "Tasks", keys: ["o"] },
  { id: "task.new_above", title: "New task above", group: "Tasks", keys: ["O"] },
  { id: "task.edit", title: "Open task details", group: "Tasks", keys: ["Enter", "i"] },
  { id: "task.archive", title: "Archive task", group: "Tasks", keys: ["d d"] },
  { id: "task.delete", title: "Delete task", group: "Tasks", keys: ["D"] },
  { id: "task.move_left", title: "Move task to previous column", group: "Tasks", keys: ["H"] },
  { id: "task.move_right", title: "Move task to next column", group: "Tasks", keys: ["L"] },
  { id: "task.move_down", title: "Move task down", group: "Tasks", keys: ["J"] },
  { id: "task.move_up", title: "Move task up", group: "Tasks", keys: ["K"] },
  { id: "column.new", title: "New column", group: "Columns", keys: ["C"] },
  { id: "column.rename", title: "Rename column", group: "Columns", keys: ["R"] },
  { id: "column.set_wip", title: "Set WIP limit", group: "Columns", keys: ["W"] },
  { id: "column.move_left", title: "Move column left", group: "Columns", keys: ["<"] },
  { id: "column.move_right", title: "Move column right", group: "Columns", keys: [">"] },
  { id: "column.archive", title: "Archive column", group: "Columns", keys: [] },
  { id: "column.delete", title: "Delete column and its tasks", group: "Columns", keys: [] },
  { id: "edit.undo", title: "Undo", group: "Edit", keys: ["u", "Mod+z"] },
  { id: "edit.redo", title: "Redo", group: "Edit", keys: ["Ctrl+r", "Mod+Shift+z"] },
  { id: "view.filter", title: "Filter tasks", group: "View", keys: ["/"] },
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
