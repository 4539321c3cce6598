// @vitest-environment happy-dom
// The rendered board: a patch to one task changes that card's DOM and no other card's.

import { render } from "solid-js/web";
import { afterEach, describe, expect, it } from "vitest";
import type { BoardView } from "../ipc/types";
import { task } from "../test/fixtures";
import { createBoardStore } from "../model/store";
import { Board } from "./Board";

function bigBoard(columns: number, perColumn: number): BoardView {
  return {
    id: "b1",
    title: "Big",
    createdAt: 0,
    labels: [],
    columns: Array.from({ length: columns }, (_, c) => ({
      id: `c${c}`,
      title: `Column ${c + 1}`,
      rank: `a${String(c).padStart(2, "0")}`,
      wip: c === 0 ? 2 : null,
      archived: false,
      tasks: Array.from({ length: perColumn }, (_, t) =>
        task(`t${c}-${t}`, `c${c}`, `a${String(t).padStart(4, "0")}`, `Task ${c}-${t}`),
      ),
    })),
  };
}

let dispose: (() => void) | undefined;
afterEach(() => {
  dispose?.();
  document.body.innerHTML = "";
});

function mount(view: BoardView, withheld: Record<string, number> = {}) {
  const store = createBoardStore(view, [], withheld);
  const root = document.createElement("div");
  root.style.width = "1280px";
  root.style.height = "800px";
  document.body.append(root);
  dispose = render(() => <Board store={store} />, root);
  return { store, root };
}

const cards = (root: HTMLElement) => [...root.querySelectorAll<HTMLElement>("[role=option]")];

describe("board rendering", () => {
  it("mounts only the columns and cards near the viewport of a 20 x 500 board", () => {
    const { root } = mount(bigBoard(20, 500));
    const columns = root.querySelectorAll("section[role=group]");
    expect(columns.length).toBeGreaterThan(0);
    expect(columns.length).toBeLessThan(20);
    expect(cards(root).length).toBeLessThan(columns.length * 30);
    const first = cards(root)[0];
    expect(first?.getAttribute("aria-label")).toBe("Task 0-0");
    expect(first?.getAttribute("aria-setsize")).toBe("500");
  });

  it("sizes and counts a first screen's columns as whole until the rest arrives", () => {
    // Column 0 came with its first 20 of 500 tasks (`open_board`'s first screen).
    const { store, root } = mount(bigBoard(2, 20), { c0: 480 });
    const column = (id: string) => root.querySelector<HTMLElement>(`section[data-column-id=${id}]`);
    const space = (id: string) =>
      column(id)?.querySelector<HTMLElement>(".cards-space")?.style.height ?? "";
    expect(column("c0")?.querySelector(".count")?.getAttribute("aria-label")).toBe(
      "500 of 2 tasks, over the limit",
    );
    expect(cards(root)[0]?.getAttribute("aria-setsize")).toBe("500");
    expect(parseFloat(space("c0"))).toBe(25 * parseFloat(space("c1")));
    expect(column("c1")?.querySelector(".count")?.textContent).toBe("20");
    // The reconcile brought one of the rest, then settled: counts are the cards'.
    store.apply([{ type: "taskUpserted", columnId: "c0", task: task("t0-20", "c0", "a0020") }]);
    store.settle();
    expect(column("c0")?.querySelector(".count")?.getAttribute("aria-label")).toBe(
      "21 of 2 tasks, over the limit",
    );
    expect(parseFloat(space("c0"))).toBe((21 / 20) * parseFloat(space("c1")));
  });

  it("re-renders only the changed card when one task is renamed", () => {
    const { store, root } = mount(bigBoard(3, 20));
    const before = new Map(cards(root).map((el) => [el.dataset["taskId"], el.outerHTML]));
    const elements = new Map(cards(root).map((el) => [el.dataset["taskId"], el]));
    store.apply([
      { type: "taskUpserted", columnId: "c1", task: task("t1-3", "c1", "a0003", "Renamed") },
    ]);
    const changed = cards(root).filter((el) => before.get(el.dataset["taskId"]) !== el.outerHTML);
    expect(changed.map((el) => el.dataset["taskId"])).toEqual(["t1-3"]);
    expect(changed[0]?.textContent).toContain("Renamed");
    // The same elements, updated in place, not rebuilt.
    for (const el of cards(root)) expect(elements.get(el.dataset["taskId"])).toBe(el);
  });

  it("moves a card's element to its new column and shows the WIP limit as exceeded", () => {
    const { store, root } = mount(bigBoard(2, 2));
    const column = (id: string) => root.querySelector<HTMLElement>(`section[data-column-id=${id}]`);
    expect(column("c0")?.querySelector(".count")?.getAttribute("data-over")).toBe("false");
    store.apply([{ type: "taskUpserted", columnId: "c0", task: task("t1-0", "c0", "a9999") }]);
    const titles = (id: string) =>
      [...(column(id)?.querySelectorAll("[role=option]") ?? [])].map((el) =>
        el.getAttribute("aria-label"),
      );
    expect(titles("c0")).toEqual(["Task 0-0", "Task 0-1", "t1-0"]);
    expect(titles("c1")).toEqual(["Task 1-1"]);
    expect(column("c0")?.querySelector(".count")?.getAttribute("data-over")).toBe("true");
    expect(column("c0")?.querySelector(".count")?.getAttribute("aria-label")).toBe(
      "3 of 2 tasks, over the limit",
    );
  });
});
