// The open board as fine-grained reactive state. Every task has its own signal, and every
// column its own sorted list of task ids, so a patch touching one task notifies only that
// task's card (and, when it moved, the one or two column lists involved).

import { batch, createSignal, type Accessor, type Setter } from "solid-js";
import type {
  BoardView,
  ColumnView,
  DirectoryEntry,
  LabelView,
  Patch,
  TaskView,
} from "../ipc/types";
import { compareRanked, insertionIndex } from "./order";

interface Cell<T> {
  get: Accessor<T>;
  set: Setter<T>;
}

function cell<T>(value: T): Cell<T> {
  const [get, set] = createSignal(value, { equals: false });
  return { get, set };
}

/** A column header: the column without its tasks. */
export type ColumnMeta = Omit<ColumnView, "tasks">;

/** A list of ids in display order, kept sorted as entries come and go. */
interface OrderedIds {
  ids: Cell<readonly string[]>;
}

export interface BoardStore {
  readonly id: string;
  title: Accessor<string>;
  /** Live (not archived) column ids in display order. */
  columnIds: Accessor<readonly string[]>;
  column(id: string): Accessor<ColumnMeta> | undefined;
  /** Live task ids of a column in display order. */
  taskIds(columnId: string): Accessor<readonly string[]>;
  task(id: string): Accessor<TaskView> | undefined;
  labels: Accessor<ReadonlyMap<string, LabelView>>;
  /** Who can be assigned or mentioned: the board's member directory and me, by name. */
  people: Accessor<readonly DirectoryEntry[]>;
  /** The directory the shell fetched anew (`board-directory`). */
  setPeople(people: readonly DirectoryEntry[]): void;
  apply(patches: readonly Patch[]): void;
  /** The column a task is shown in (normally `task.column`). */
  columnOf(taskId: string): string | undefined;
  /** Every task, for search. */
  allTaskIds(): string[];
  /**
   * How many tasks of a column the board was opened without (a first screen,
   * `OpenedBoard.withheld`): counted in the column's size until `settle`.
   */
  withheld(columnId: string): number;
  /** The rest of a first screen arrived (`reconcile_board`'s patches): nothing is held back. */
  settle(): void;
  /** Runs `action` once nothing is held back: now, or at `settle`. */
  whenWhole(action: () => void): void;
}

/** Resolves once `store` holds its whole board: at once, or when the rest of a first screen is in. */
export function untilWhole(store: BoardStore): Promise<void> {
  return new Promise((done) => store.whenWhole(done));
}

function stripTasks(column: ColumnView): ColumnMeta {
  return {
    id: column.id,
    title: column.title,
    rank: column.rank,
    wip: column.wip,
    archived: column.archived,
  };
}

export function createBoardStore(
  view: BoardView,
  people: readonly DirectoryEntry[] = [],
  withheld: Readonly<Partial<Record<string, number>>> = {},
): BoardStore {
  const title = cell(view.title);
  const heldBack = cell(withheld);
  /** Nothing held back: no first screen, or its rest arrived. */
  const whole = () => Object.keys(heldBack.get()).length === 0;
  /** What waits for the rest of a first screen (`whenWhole`). */
  let waitingForWhole: (() => void)[] = [];
  const directory = cell(people);
  const columns = new Map<string, Cell<ColumnMeta>>();
  const columnOrder = cell<readonly string[]>([]);
  const tasks = new Map<string, Cell<TaskView>>();
  /** The column each task is shown in: the shell decides, so orphans land somewhere. */
  const shownIn = new Map<string, string>();
  const taskLists = new Map<string, OrderedIds>();
  const labels = cell<ReadonlyMap<string, LabelView>>(
    new Map(view.labels.map((label) => [label.id, label])),
  );

  function listFor(columnId: string): OrderedIds {
    let list = taskLists.get(columnId);
    if (!list) {
      list = { ids: cell<readonly string[]>([]) };
      taskLists.set(columnId, list);
    }
    return list;
  }

  function taskOrder(a: string, b: string): number {
    const x = tasks.get(a)?.get();
    const y = tasks.get(b)?.get();
    if (!x || !y) return 0;
    return compareRanked(x, y);
  }

  function refreshColumnOrder() {
    const live = [...columns.values()]
      .map((c) => c.get())
      .filter((c) => !c.archived)
      .sort(compareRanked)
      .map((c) => c.id);
    columnOrder.set(live);
  }

  function removeFromList(taskId: string) {
    const columnId = shownIn.get(taskId);
    shownIn.delete(taskId);
    const list = columnId === undefined ? undefined : taskLists.get(columnId);
    if (!list) return;
    const ids = list.ids.get();
    const at = ids.indexOf(taskId);
    if (at >= 0) list.ids.set([...ids.slice(0, at), ...ids.slice(at + 1)]);
  }

  function insertIntoList(task: TaskView, columnId: string) {
    if (task.archived) return;
    shownIn.set(task.id, columnId);
    const list = listFor(columnId);
    const ids = list.ids.get();
    const at = insertionIndex(ids, task.id, taskOrder);
    list.ids.set([...ids.slice(0, at), task.id, ...ids.slice(at)]);
  }

  function upsertTask(task: TaskView, columnId: string) {
    const existing = tasks.get(task.id);
    if (!existing) {
      tasks.set(task.id, cell(task));
      insertIntoList(task, columnId);
      return;
    }
    const before = existing.get();
    const placeChanged =
      shownIn.get(task.id) !== columnId ||
      before.rank !== task.rank ||
      before.archived !== task.archived;
    if (placeChanged) removeFromList(task.id);
    existing.set(task);
    if (placeChanged) insertIntoList(task, columnId);
  }

  function removeTask(id: string) {
    if (!tasks.has(id)) return;
    removeFromList(id);
    tasks.delete(id);
  }

  function upsertColumn(column: ColumnMeta) {
    const existing = columns.get(column.id);
    if (!existing) {
      columns.set(column.id, cell(column));
      refreshColumnOrder();
      return;
    }
    const before = existing.get();
    existing.set(column);
    if (before.rank !== column.rank || before.archived !== column.archived) refreshColumnOrder();
  }

  // Initial snapshot: build the lists in one go rather than by repeated insertion.
  for (const column of view.columns) {
    if (column.archived) continue;
    columns.set(column.id, cell(stripTasks(column)));
    const ids: string[] = [];
    for (const task of column.tasks) {
      tasks.set(task.id, cell(task));
      if (!task.archived) {
        ids.push(task.id);
        shownIn.set(task.id, column.id);
      }
    }
    ids.sort(taskOrder);
    listFor(column.id).ids.set(ids);
  }
  refreshColumnOrder();

  return {
    id: view.id,
    title: title.get,
    columnIds: columnOrder.get,
    column: (id) => columns.get(id)?.get,
    taskIds: (columnId) => listFor(columnId).ids.get,
    task: (id) => tasks.get(id)?.get,
    labels: labels.get,
    people: directory.get,
    setPeople: (next) => directory.set(next),
    allTaskIds: () => [...tasks.keys()],
    columnOf: (taskId) => shownIn.get(taskId),
    withheld: (columnId) => heldBack.get()[columnId] ?? 0,
    settle: () => {
      if (!whole()) heldBack.set({});
      const waiting = waitingForWhole;
      waitingForWhole = [];
      for (const action of waiting) action();
    },
    whenWhole: (action) => {
      if (whole()) action();
      else waitingForWhole.push(action);
    },
    apply(patches) {
      batch(() => {
        // New tasks join their column's list together, one sort per column (the rest of a
        // first screen is thousands of them); anything else first places what is pending.
        const joining = new Map<string, string[]>();
        const join = () => {
          for (const [columnId, ids] of joining) {
            const list = listFor(columnId);
            list.ids.set([...list.ids.get(), ...ids].sort(taskOrder));
          }
          joining.clear();
        };
        for (const patch of patches) {
          if (patch.type === "taskUpserted" && !patch.task.archived && !tasks.has(patch.task.id)) {
            tasks.set(patch.task.id, cell(patch.task));
            shownIn.set(patch.task.id, patch.columnId);
            const ids = joining.get(patch.columnId);
            if (ids) ids.push(patch.task.id);
            else joining.set(patch.columnId, [patch.task.id]);
            continue;
          }
          join();
          switch (patch.type) {
            case "taskUpserted":
              upsertTask(patch.task, patch.columnId);
              break;
            case "taskRemoved":
              removeTask(patch.taskId);
              break;
            case "columnUpserted":
              upsertColumn(stripTasks(patch.column));
              break;
            case "columnRemoved":
              columns.delete(patch.columnId);
              refreshColumnOrder();
              break;
            case "labelsReplaced":
              labels.set(new Map(patch.labels.map((label) => [label.id, label])));
              break;
            case "boardMeta":
              title.set(patch.title);
              break;
          }
        }
        join();
      });
    },
  };
}
