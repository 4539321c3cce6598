// A dev-only in-memory backend for `vite` in a plain browser: the same commands and patch
// events as the desktop app, enough to develop and screenshot the UI. Never in a production
// build (see connect() in ./index.ts).

import type { Backend } from "./backend";
import type {
  BoardOp,
  BoardSummary,
  BoardView,
  ColumnView,
  Commands,
  IpcError,
  LabelView,
  Patch,
  Place,
  TaskView,
} from "./types";
import { compareRanked } from "../model/order";

const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A base-62 fraction strictly between `a` and `b` (`null` = 1); no trailing zero. */
function between(a: string, b: string | null): string {
  let out = "";
  for (let i = 0; ; i++) {
    const da = i < a.length ? DIGITS.indexOf(a.charAt(i)) : 0;
    const db = b === null ? 62 : i < b.length ? DIGITS.indexOf(b.charAt(i)) : 0;
    if (db - da > 1) return out + DIGITS.charAt(Math.ceil((da + db) / 2));
    out += DIGITS.charAt(da);
    if (db - da === 1) {
      // Continue in `a`'s tail, now bounded only above by 1.
      return out + between(a.slice(i + 1), null);
    }
  }
}

interface FakeBoard {
  id: string;
  title: string;
  createdAt: number;
  columns: Map<string, Omit<ColumnView, "tasks">>;
  tasks: Map<string, TaskView>;
  labels: Map<string, LabelView>;
  undo: string[];
  redo: string[];
}

function fail(kind: IpcError["kind"], message: string): never {
  throw Object.assign(new Error(message), { kind } satisfies Partial<IpcError>);
}

let counter = 0;
function newId(): string {
  counter += 1;
  return `${Date.now().toString(36)}-${counter.toString(36).padStart(6, "0")}`;
}

function snapshot(board: FakeBoard): string {
  return JSON.stringify({
    title: board.title,
    columns: [...board.columns.values()],
    tasks: [...board.tasks.values()],
    labels: [...board.labels.values()],
  });
}

function restore(board: FakeBoard, saved: string) {
  const data = JSON.parse(saved) as {
    title: string;
    columns: Omit<ColumnView, "tasks">[];
    tasks: TaskView[];
    labels: LabelView[];
  };
  board.title = data.title;
  board.columns = new Map(data.columns.map((c) => [c.id, c]));
  board.tasks = new Map(data.tasks.map((t) => [t.id, t]));
  board.labels = new Map(data.labels.map((l) => [l.id, l]));
}

function liveColumns(board: FakeBoard) {
  return [...board.columns.values()].filter((c) => !c.archived).sort(compareRanked);
}

function tasksIn(board: FakeBoard, columnId: string) {
  return [...board.tasks.values()]
    .filter((t) => t.column === columnId && !t.archived)
    .sort(compareRanked);
}

function rankAt(sorted: { id: string; rank: string }[], place: Place, selfId?: string): string {
  const items = sorted.filter((x) => x.id !== selfId);
  let index: number;
  switch (place.kind) {
    case "top":
      index = 0;
      break;
    case "bottom":
      index = items.length;
      break;
    case "before":
    case "after": {
      const at = items.findIndex((x) => x.id === place.id);
      if (at < 0) fail("invalid", "no such place");
      index = place.kind === "before" ? at : at + 1;
    }
  }
  const low = items[index - 1]?.rank ?? "";
  const high = items[index]?.rank ?? null;
  return between(low, high);
}

function view(board: FakeBoard): BoardView {
  return {
    id: board.id,
    title: board.title,
    createdAt: board.createdAt,
    labels: [...board.labels.values()].sort((a, b) => a.name.localeCompare(b.name)),
    columns: liveColumns(board).map((c) => ({ ...c, tasks: tasksIn(board, c.id) })),
  };
}

function diff(board: FakeBoard, before: string): Patch[] {
  const old = new Map<string, string>();
  const was = JSON.parse(before) as {
    title: string;
    columns: unknown[];
    tasks: unknown[];
    labels: unknown[];
  };
  for (const item of [...was.columns, ...was.tasks] as { id: string }[]) {
    old.set(item.id, JSON.stringify(item));
  }
  const patches: Patch[] = [];
  if (was.title !== board.title) patches.push({ type: "boardMeta", title: board.title });
  if (JSON.stringify(was.labels) !== JSON.stringify([...board.labels.values()])) {
    patches.push({ type: "labelsReplaced", labels: [...board.labels.values()] });
  }
  const live = liveColumns(board);
  for (const column of board.columns.values()) {
    if (old.get(column.id) === JSON.stringify(column)) continue;
    patches.push(
      column.archived
        ? { type: "columnRemoved", columnId: column.id }
        : { type: "columnUpserted", column: { ...column, tasks: [] } },
    );
  }
  for (const id of old.keys()) {
    if (!board.columns.has(id) && (was.columns as { id: string }[]).some((c) => c.id === id)) {
      patches.push({ type: "columnRemoved", columnId: id });
    }
  }
  for (const task of board.tasks.values()) {
    if (old.get(task.id) === JSON.stringify(task)) continue;
    const shown = board.columns.get(task.column)?.archived === false ? task.column : live[0]?.id;
    patches.push(
      task.archived || shown === undefined
        ? { type: "taskRemoved", taskId: task.id }
        : { type: "taskUpserted", columnId: shown, task },
    );
  }
  for (const item of was.tasks as { id: string }[]) {
    if (!board.tasks.has(item.id)) patches.push({ type: "taskRemoved", taskId: item.id });
  }
  return patches;
}

function makeTask(column: string, rank: string, title: string, description = ""): TaskView {
  const now = Date.now();
  return {
    id: newId(),
    title,
    column,
    rank,
    description,
    labels: [],
    assignees: [],
    due: null,
    checklist: [],
    createdAt: now,
    updatedAt: now,
    createdBy: "local",
    archived: false,
  };
}

function emptyBoard(title: string): FakeBoard {
  return {
    id: newId(),
    title,
    createdAt: Date.now(),
    columns: new Map(),
    tasks: new Map(),
    labels: new Map(),
    undo: [],
    redo: [],
  };
}

function demoBoard(title: string, columnCount: number, taskCount: number): FakeBoard {
  const board = emptyBoard(title);
  const names = ["Backlog", "Todo", "Doing", "Review", "Done"];
  for (let c = 0; c < columnCount; c++) {
    const column = {
      id: newId(),
      title: names[c] ?? `Column ${c + 1}`,
      rank: `c${DIGITS.charAt(c % 62)}V`,
      wip: c === 2 ? 3 : null,
      archived: false,
    };
    board.columns.set(column.id, column);
  }
  const columnIds = [...board.columns.keys()];
  for (let i = 0; i < taskCount; i++) {
    const column = columnIds[i % columnIds.length];
    if (column === undefined) break;
    const rank = `t${i.toString(36).padStart(4, "0")}V`;
    const task = makeTask(column, rank, `Task ${i + 1}`);
    board.tasks.set(task.id, task);
  }
  return board;
}

function sampleBoard(): FakeBoard {
  const board = emptyBoard("Product launch");
  const bug = { id: newId(), name: "bug", color: "#e5484d" };
  const design = { id: newId(), name: "design", color: "#8e4ec6" };
  const docs = { id: newId(), name: "docs", color: "#0090ff" };
  for (const label of [bug, design, docs]) board.labels.set(label.id, label);
  const columns: [string, number | null, [string, string[], string][]][] = [
    [
      "Backlog",
      null,
      [
        ["Pricing page copy", [docs.id], ""],
        ["Offline indicator in the sidebar", [design.id], ""],
        ["Import from Trello", [], ""],
      ],
    ],
    [
      "Todo",
      null,
      [
        [
          "Keyboard cheat sheet",
          [design.id],
          "Show every command with its keys.\n\n- generated from the registry\n- opens with `?`",
        ],
        ["Crash when a column is deleted twice", [bug.id], ""],
      ],
    ],
    [
      "Doing",
      2,
      [
        ["Sync status badge", [design.id], ""],
        [
          "Release notes for 0.1",
          [docs.id],
          "Draft in **Markdown**; see [the guide](https://example.com).",
        ],
        ["Fix drag ghost offset", [bug.id], ""],
      ],
    ],
    ["Done", null, [["Board store on SQLite", [], ""]]],
  ];
  columns.forEach(([title, wip, tasks], c) => {
    const column = { id: newId(), title, rank: `a${c}`, wip, archived: false };
    board.columns.set(column.id, column);
    tasks.forEach(([taskTitle, labels, description], t) => {
      const task = makeTask(column.id, `a${t}V`, taskTitle, description);
      task.labels = labels;
      if (t === 0 && c === 2) {
        task.assignees = ["ada", "lin"];
        task.due = "2026-12-01";
        task.checklist = [
          { text: "Design", done: true },
          { text: "Build", done: false },
        ];
      }
      board.tasks.set(task.id, task);
    });
  });
  return board;
}

export function createFakeBackend(params: URLSearchParams): Backend {
  const boards = new Map<string, FakeBoard>();
  const handlers = new Set<(payload: { boardId: string; patches: Patch[] }) => void>();
  const first = sampleBoard();
  boards.set(first.id, first);
  const big = params.get("big");
  if (big !== null) {
    const [columns, tasks] = big.split("x").map(Number);
    const demo = demoBoard("Big board", columns ?? 20, tasks ?? 10000);
    boards.set(demo.id, demo);
  }

  function board(id: string): FakeBoard {
    return boards.get(id) ?? fail("notFound", "No such board.");
  }

  function emit(boardId: string, patches: Patch[]) {
    if (patches.length === 0) return;
    // Copies, as over the real bridge: the UI must never share objects with the backend.
    const payload = structuredClone({ boardId, patches });
    setTimeout(() => {
      for (const handler of handlers) handler(payload);
    }, 0);
  }

  function summary(b: FakeBoard): BoardSummary {
    return { id: b.id, title: b.title, createdAt: b.createdAt };
  }

  function task(b: FakeBoard, id: string): TaskView {
    return b.tasks.get(id) ?? fail("notFound", "No such task.");
  }

  function column(b: FakeBoard, id: string) {
    return b.columns.get(id) ?? fail("notFound", "No such column.");
  }

  function edit(b: FakeBoard, id: string, change: (t: TaskView) => void) {
    const t = task(b, id);
    change(t);
    t.updatedAt = Date.now();
  }

  function applyOp(b: FakeBoard, op: BoardOp): string | null {
    const title = (s: string) =>
      s.trim() === "" ? fail("invalid", "A title cannot be empty.") : s.trim();
    switch (op.type) {
      case "renameBoard":
        b.title = title(op.title);
        return null;
      case "addColumn": {
        const rank = rankAt(liveColumns(b), op.place);
        const c = { id: newId(), title: title(op.title), rank, wip: op.wip, archived: false };
        b.columns.set(c.id, c);
        return c.id;
      }
      case "renameColumn":
        column(b, op.columnId).title = title(op.title);
        return null;
      case "moveColumn":
        column(b, op.columnId).rank = rankAt(liveColumns(b), op.place, op.columnId);
        return null;
      case "setWipLimit":
        column(b, op.columnId).wip = op.wip;
        return null;
      case "setColumnArchived":
        column(b, op.columnId).archived = op.archived;
        return null;
      case "deleteColumn":
        column(b, op.columnId);
        b.columns.delete(op.columnId);
        for (const t of [...b.tasks.values()]) if (t.column === op.columnId) b.tasks.delete(t.id);
        return null;
      case "addTask": {
        column(b, op.columnId);
        const rank = rankAt(tasksIn(b, op.columnId), op.place);
        const t = makeTask(op.columnId, rank, title(op.title), op.description ?? "");
        b.tasks.set(t.id, t);
        return t.id;
      }
      case "setTaskTitle":
        edit(b, op.taskId, (t) => (t.title = title(op.title)));
        return null;
      case "setDescription":
        edit(b, op.taskId, (t) => (t.description = op.text));
        return null;
      case "editDescription":
        edit(b, op.taskId, (t) => {
          t.description =
            t.description.slice(0, op.at) + op.insert + t.description.slice(op.at + op.delete);
        });
        return null;
      case "moveTask":
        column(b, op.columnId);
        edit(b, op.taskId, (t) => {
          t.rank = rankAt(tasksIn(b, op.columnId), op.place, t.id);
          t.column = op.columnId;
        });
        return null;
      case "setTaskArchived":
        edit(b, op.taskId, (t) => (t.archived = op.archived));
        return null;
      case "deleteTask":
        task(b, op.taskId);
        b.tasks.delete(op.taskId);
        return null;
      case "setTaskLabel":
        edit(b, op.taskId, (t) => {
          t.labels = t.labels.filter((l) => l !== op.labelId);
          if (op.present) t.labels = [...t.labels, op.labelId].sort();
        });
        return null;
      case "setTaskAssignee":
        edit(b, op.taskId, (t) => {
          t.assignees = t.assignees.filter((u) => u !== op.userId);
          if (op.present) t.assignees = [...t.assignees, op.userId].sort();
        });
        return null;
      case "setDue":
        if (op.due !== null && !/^\d{4}-\d{2}-\d{2}$/.test(op.due)) fail("invalid", "Bad date.");
        edit(b, op.taskId, (t) => (t.due = op.due));
        return null;
      case "addLabel": {
        const label = { id: newId(), name: title(op.name), color: op.color ?? "#6e56cf" };
        b.labels.set(label.id, label);
        return label.id;
      }
      case "updateLabel": {
        const label = b.labels.get(op.labelId) ?? fail("notFound", "No such label.");
        if (op.name !== null) label.name = op.name;
        if (op.color !== null) label.color = op.color;
        return null;
      }
      case "deleteLabel":
        b.labels.delete(op.labelId);
        for (const t of b.tasks.values()) t.labels = t.labels.filter((l) => l !== op.labelId);
        return null;
      case "addChecklistItem":
        edit(b, op.taskId, (t) => (t.checklist = [...t.checklist, { text: op.text, done: false }]));
        return null;
      case "setChecklistItemDone":
        edit(b, op.taskId, (t) => {
          t.checklist = t.checklist.map((item, i) =>
            i === op.index ? { ...item, done: op.done } : item,
          );
        });
        return null;
      case "editChecklistItem":
        edit(b, op.taskId, (t) => {
          t.checklist = t.checklist.map((item, i) =>
            i === op.index ? { ...item, text: op.text } : item,
          );
        });
        return null;
      case "removeChecklistItem":
        edit(b, op.taskId, (t) => (t.checklist = t.checklist.filter((_, i) => i !== op.index)));
        return null;
    }
  }

  function step(boardId: string, from: "undo" | "redo"): boolean {
    const b = board(boardId);
    const saved = b[from].pop();
    if (saved === undefined) return false;
    const before = snapshot(b);
    b[from === "undo" ? "redo" : "undo"].push(before);
    restore(b, saved);
    emit(boardId, diff(b, before));
    return true;
  }

  const commands: { [K in keyof Commands]: (args: Commands[K]["args"]) => Commands[K]["result"] } =
    {
      list_boards: () => [...boards.values()].map(summary),
      create_board: ({ title }) => {
        const b = emptyBoard(title.trim() || fail("invalid", "A title cannot be empty."));
        boards.set(b.id, b);
        return summary(b);
      },
      delete_board: ({ boardId }) => {
        boards.delete(boardId);
        return null;
      },
      open_board: ({ boardId }) => view(board(boardId)),
      apply: ({ boardId, op }) => {
        const b = board(boardId);
        const before = snapshot(b);
        try {
          const createdId = applyOp(b, op);
          b.undo.push(before);
          b.redo = [];
          emit(boardId, diff(b, before));
          return { createdId };
        } catch (error) {
          restore(b, before);
          throw error;
        }
      },
      undo: ({ boardId }) => step(boardId, "undo"),
      redo: ({ boardId }) => step(boardId, "redo"),
      generate_demo_board: ({ title, columns, tasks }) => {
        const b = demoBoard(title, columns, tasks);
        boards.set(b.id, b);
        return summary(b);
      },
    };

  return {
    call(name, args) {
      return new Promise((resolve, reject) => {
        try {
          resolve(structuredClone(commands[name](structuredClone(args))));
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    },
    listen(_event, handler) {
      handlers.add(handler);
      return Promise.resolve(() => handlers.delete(handler));
    },
  };
}
