import { createRoot } from "solid-js";
import { describe, expect, it } from "vitest";
import type { Backend } from "../ipc/backend";
import { useBackend, type BoardOp, type BoardSummary, type ColumnChoice } from "../ipc";
import { createQuickAdd, pick, type Remembered } from "./quickadd";

function summary(id: string, title: string, readOnly = false): BoardSummary {
  return { id, title, createdAt: 0, role: null, readOnly, readOnlyReason: null };
}

/** The app as quick add sees it: boards, their columns, what was added, whether it hid. */
function desk(columns: Record<string, ColumnChoice[]>, boards: BoardSummary[]) {
  const added: [string, BoardOp][] = [];
  let hidden = 0;
  const backend: Backend = {
    call(name, args) {
      const a = args as Record<string, unknown>;
      switch (name) {
        case "list_boards":
          return Promise.resolve(boards);
        case "board_columns":
          return Promise.resolve(columns[String(a["boardId"])] ?? []);
        case "apply":
          added.push([String(a["boardId"]), a["op"] as BoardOp]);
          return Promise.resolve({ createdId: "t1" });
        case "hide_quick_add":
          hidden += 1;
          return Promise.resolve(null);
        default:
          return Promise.reject(new Error(`unexpected ${name}`));
      }
    },
    listen: () => Promise.resolve(() => undefined),
  };
  useBackend(backend);
  return { added, hidden: () => hidden };
}

function memory(): Remembered & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, get: (k) => map.get(k) ?? null, set: (k, v) => void map.set(k, v) };
}

const COLUMNS = {
  launch: [
    { id: "todo", title: "To do" },
    { id: "doing", title: "Doing" },
  ],
  venues: [{ id: "book", title: "To book" }],
};

describe("quick add", () => {
  it("picks the remembered choice while it is still offered, else the first", () => {
    const offered = [{ id: "a" }, { id: "b" }];
    expect(pick(offered, "b")).toBe("b");
    expect(pick(offered, "gone")).toBe("a");
    expect(pick([], "b")).toBeNull();
  });

  it("adds to the first writable board's first column, remembers it, and hides", async () => {
    const d = desk(COLUMNS, [
      summary("ro", "Read only", true),
      summary("launch", "Launch"),
      summary("venues", "Venues"),
    ]);
    const storage = memory();
    await createRoot(async (dispose) => {
      const q = createQuickAdd(storage);
      await q.load();
      expect(q.boards().map((b) => b.title)).toEqual(["Launch", "Venues"]);
      expect([q.board(), q.column()]).toEqual(["launch", "todo"]);
      q.setTitle("  Call the caterer ");
      expect(await q.submit(false)).toBe(true);
      expect(d.added).toEqual([
        [
          "launch",
          {
            type: "addTask",
            columnId: "todo",
            title: "Call the caterer",
            place: { kind: "bottom" },
            description: null,
          },
        ],
      ]);
      expect(d.hidden()).toBe(1);
      expect(q.title()).toBe("");
      expect(q.message()).toBe("Added “Call the caterer” to Launch › To do.");
      expect(storage.map.get("tack.quickAdd.board")).toBe("launch");
      dispose();
    });
  });

  it("another board's columns are read before adding, and the choice is kept per board", async () => {
    const d = desk(COLUMNS, [summary("launch", "Launch"), summary("venues", "Venues")]);
    const storage = memory();
    storage.set("tack.quickAdd.board", "launch");
    storage.set("tack.quickAdd.column.launch", "doing");
    await createRoot(async (dispose) => {
      const q = createQuickAdd(storage);
      await q.load();
      expect(q.column()).toBe("doing");
      q.setTitle("Hall for the offsite");
      // Chosen and added at once: adding waits for the board's columns.
      void q.chooseBoard("venues");
      expect(await q.submit(true)).toBe(true);
      expect(
        d.added.map(([board, op]) => [board, op.type === "addTask" ? op.columnId : ""]),
      ).toEqual([["venues", "book"]]);
      expect(d.hidden()).toBe(0);
      dispose();
    });
  });

  it("says what is missing instead of adding: no title, no board to write to", async () => {
    const d = desk(COLUMNS, [summary("ro", "Read only", true)]);
    await createRoot(async (dispose) => {
      const q = createQuickAdd(memory());
      await q.load();
      expect(q.error()).toBe("No board to add to yet: make one in Tack first.");
      q.setTitle("Something");
      expect(await q.submit(false)).toBe(false);
      expect(q.error()).toBe("Choose a board and a column first.");
      dispose();
    });
    desk(COLUMNS, [summary("launch", "Launch")]);
    await createRoot(async (dispose) => {
      const q = createQuickAdd(memory());
      await q.load();
      expect(await q.submit(false)).toBe(false);
      expect(q.error()).toBe("Type the task's title first.");
      dispose();
    });
    expect(d.added).toEqual([]);
  });
});
