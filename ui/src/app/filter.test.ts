// The filter's own logic: words marked on a card, `n` / `N` wrapping around the board, and an
// answer overtaken by a later query dropped (the shell answers the grammar; a fake shell here
// answers when the test says).

import { createRoot } from "solid-js";
import { describe, expect, it } from "vitest";
import { useBackend } from "../ipc";
import type { Backend } from "../ipc/backend";
import type { BoardFilter } from "../ipc";
import { createFilter, markWords, stepMatch, taskMatch, type FilterAnswer } from "./filter";

/** The marked parts as text: `[Login] fails`. */
function marked(text: string, words: string[]): string {
  return markWords(text, words)
    .map((p) => (p.hit ? `[${p.text}]` : p.text))
    .join("");
}

describe("markWords", () => {
  it("marks each word starting with a filter word, ignoring case", () => {
    expect(marked("Login fails on logout", ["log"])).toBe("[Login] fails on [logout]");
    expect(marked("Fix drag ghost", ["gh", "dr"])).toBe("Fix [drag] [ghost]");
    expect(marked("Fix drag ghost", [])).toBe("Fix drag ghost");
  });

  it("matches at word starts only, words being letters and digits", () => {
    expect(marked("blogging v2.0-beta", ["log"])).toBe("blogging v2.0-beta");
    expect(marked("v2.0-beta", ["beta", "0"])).toBe("v2.[0]-[beta]");
    expect(marked("Café déjà-vu", ["déj", "caf"])).toBe("[Café] [déjà]-vu");
  });
});

describe("stepMatch", () => {
  // Three columns showing 2, 0 and 1 matching cards.
  const lengths = [2, 0, 1];

  it("goes down a column, then on to the next column that shows a card, wrapping", () => {
    expect(stepMatch(lengths, { column: 0, row: 0 }, 1)).toEqual({ column: 0, row: 1 });
    expect(stepMatch(lengths, { column: 0, row: 1 }, 1)).toEqual({ column: 2, row: 0 });
    expect(stepMatch(lengths, { column: 2, row: 0 }, 1)).toEqual({ column: 0, row: 0 });
    // From an empty column: the next card after it.
    expect(stepMatch(lengths, { column: 1, row: null }, 1)).toEqual({ column: 2, row: 0 });
  });

  it("goes back the same way, wrapping to the last card", () => {
    expect(stepMatch(lengths, { column: 0, row: 1 }, -1)).toEqual({ column: 0, row: 0 });
    expect(stepMatch(lengths, { column: 0, row: 0 }, -1)).toEqual({ column: 2, row: 0 });
    expect(stepMatch(lengths, { column: 2, row: 0 }, -1)).toEqual({ column: 0, row: 1 });
    expect(stepMatch(lengths, { column: 1, row: null }, -1)).toEqual({ column: 0, row: 1 });
  });

  it("wraps within a board whose only matches are in one column, and finds none on an empty one", () => {
    expect(stepMatch([0, 1, 0], { column: 1, row: 0 }, 1)).toEqual({ column: 1, row: 0 });
    expect(stepMatch([0, 0], { column: 0, row: null }, 1)).toBeNull();
  });
});

/** A shell whose `filter_board` answers only when the test resolves it. */
function slowShell() {
  const waiting: { query: string; answer: (filter: BoardFilter) => void }[] = [];
  const backend: Backend = {
    call(name, args) {
      if (name !== "filter_board") throw new Error(`unexpected ${name}`);
      const { query } = args as { query: string };
      return new Promise((resolve) => {
        waiting.push({ query, answer: (filter) => resolve(filter) });
      });
    },
    listen: () => Promise.resolve(() => {}),
  };
  return { backend, waiting };
}

const answerFor = (ids: string[], words: string[] = []): BoardFilter => ({
  narrows: true,
  tasks: { only: ids },
  words,
  errors: [],
});

/** Of the board's tasks t1…t9, those the filter's answer shows. */
const shownBy = (answer: FilterAnswer | null | undefined) =>
  ["t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9"].filter((id) => answer?.ids.has(id));

/** Lets awaited answers land. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("createFilter", () => {
  function filterOn(boardId: string | null) {
    const running: Promise<unknown>[] = [];
    const filter = createRoot(() =>
      createFilter({
        boardId: () => boardId,
        spawn: (action) => running.push(action()),
      }),
    );
    return filter;
  }

  it("drops an answer that arrives after a newer query's", async () => {
    const shell = slowShell();
    useBackend(shell.backend);
    const filter = filterOn("b1");
    filter.setQuery("lo");
    filter.setQuery("login");
    expect(shell.waiting.map((w) => w.query)).toEqual(["lo", "login"]);
    shell.waiting[1]?.answer(answerFor(["t1"], ["login"]));
    await settle();
    expect(shownBy(filter.answer())).toEqual(["t1"]);
    // The older query's answer comes last: the board keeps showing the newer one's.
    shell.waiting[0]?.answer(answerFor(["t1", "t2", "t3"], ["lo"]));
    await settle();
    expect(filter.answer()?.query).toBe("login");
    expect(shownBy(filter.answer())).toEqual(["t1"]);
  });

  it("shows all but the tasks an answer names when most of the board matches", async () => {
    const most = taskMatch({ allBut: ["t2", "t9"] });
    expect(["t1", "t2", "t3", "t9"].map((id) => most.has(id))).toEqual([true, false, true, false]);
    const shell = slowShell();
    useBackend(shell.backend);
    const filter = filterOn("b1");
    filter.setQuery("t");
    shell.waiting[0]?.answer({ ...answerFor([], ["t"]), tasks: { allBut: ["t5"] } });
    await settle();
    expect(shownBy(filter.answer())).toEqual(["t1", "t2", "t3", "t4", "t6", "t7", "t8", "t9"]);
    filter.setQuery("t1");
    shell.waiting[1]?.answer(answerFor(["t1"], ["t1"]));
    await settle();
    expect(shownBy(filter.answer())).toEqual(["t1"]);
  });

  it("keeps the last answer shown until the next one arrives, and clears at once", async () => {
    const shell = slowShell();
    useBackend(shell.backend);
    const filter = filterOn("b1");
    filter.setQuery("label:bug");
    shell.waiting[0]?.answer(answerFor(["t1", "t2"]));
    await settle();
    filter.setQuery("label:bug @ana");
    expect(filter.answer()?.query).toBe("label:bug");
    filter.clear();
    expect(filter.answer()).toBeNull();
    expect(filter.narrows()).toBe(false);
    // An answer asked before clearing never comes back on screen.
    shell.waiting[1]?.answer(answerFor(["t1"]));
    await settle();
    expect(filter.answer()).toBeNull();
  });

  it("asks again after an edit while narrowed, once however many edits arrive meanwhile", async () => {
    const shell = slowShell();
    useBackend(shell.backend);
    const filter = filterOn("b1");
    filter.setQuery("login");
    shell.waiting[0]?.answer(answerFor(["t1"]));
    await settle();
    filter.refresh();
    filter.refresh();
    filter.refresh();
    expect(shell.waiting).toHaveLength(2);
    shell.waiting[1]?.answer(answerFor(["t1"]));
    await settle();
    expect(shell.waiting).toHaveLength(3);
    shell.waiting[2]?.answer(answerFor(["t1", "t9"]));
    await settle();
    expect(shell.waiting).toHaveLength(3);
    expect(shownBy(filter.answer())).toEqual(["t1", "t9"]);
  });

  it("times a keystroke by the answer that shows it, even one asked again after an edit", async () => {
    performance.clearMeasures();
    const shell = slowShell();
    useBackend(shell.backend);
    const filter = filterOn("b1");
    filter.setQuery("login");
    // An edit arrives before the keystroke's answer: its question overtakes the keystroke's.
    filter.refresh();
    shell.waiting[0]?.answer(answerFor(["t1"]));
    shell.waiting[1]?.answer(answerFor(["t1", "t9"]));
    await settle();
    expect(shownBy(filter.answer())).toEqual(["t1", "t9"]);
    expect(performance.getEntriesByName("tack:filter-answered")).toHaveLength(1);
    // An edit with no keystroke waiting is not timed.
    filter.refresh();
    shell.waiting[2]?.answer(answerFor(["t1"]));
    await settle();
    expect(performance.getEntriesByName("tack:filter-answered")).toHaveLength(1);
  });
});
