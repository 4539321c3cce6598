// A column's sort as board-model's `sort_view` orders it: due soonest first and none last,
// created and updated newest first, title A to Z ignoring case, ties in rank order.

import { createEffect, createRoot } from "solid-js";
import { describe, expect, it } from "vitest";
import type { TaskView } from "../ipc";
import { task } from "../test/fixtures";
import { nextSort, setSortOf, sortOf, sortTasks, type SortKey } from "./view";

const tasks = new Map<string, TaskView>(
  [
    { ...task("a", "c", "a0", "banana"), due: "2026-12-09", createdAt: 1, updatedAt: 9 },
    { ...task("b", "c", "a1", "Apple"), due: null, createdAt: 3, updatedAt: 3 },
    { ...task("c", "c", "a2", "cherry"), due: "2026-12-09T08:00:00+00:00", createdAt: 2 },
    { ...task("d", "c", "a3", "apple"), due: "2026-12-07", createdAt: 3, updatedAt: 1 },
  ].map((t) => [t.id, t]),
);
const rank = ["a", "b", "c", "d"];
const sorted = (sort: SortKey) => sortTasks(rank, (id) => tasks.get(id), sort).join("");

describe("sortTasks", () => {
  it("keeps rank order for rank", () => {
    expect(sorted("rank")).toBe("abcd");
  });

  it("sorts by deadline, a time before the end of its day, tasks without a due last", () => {
    expect(sorted("due")).toBe("dcab");
  });

  it("sorts newest first by created and updated, ties in rank order", () => {
    expect(sorted("created")).toBe("bdca");
    expect(sorted("updated")).toBe("abdc");
  });

  it("sorts by title ignoring case, ties in rank order", () => {
    expect(sorted("title")).toBe("bdac");
  });

  it("z s cycles through every sort and back to rank", () => {
    const seen: SortKey[] = ["rank"];
    for (let i = 0; i < 5; i++) seen.push(nextSort(seen[seen.length - 1] ?? "rank"));
    expect(seen).toEqual(["rank", "due", "created", "updated", "title", "rank"]);
  });
});

describe("sortOf", () => {
  it("choosing the sort a board shows again does not run what reads it again", async () => {
    const board = "b-same-sort";
    let runs = 0;
    const dispose = createRoot((dispose) => {
      createEffect(() => {
        sortOf(board);
        runs++;
      });
      return dispose;
    });
    await Promise.resolve();
    expect(runs).toBe(1);
    setSortOf(board, "title");
    expect(sortOf(board)).toBe("title");
    expect(runs).toBe(2);
    setSortOf(board, "title");
    expect(runs).toBe(2);
    setSortOf(board, "due");
    expect(runs).toBe(3);
    dispose();
  });
});
