// @vitest-environment happy-dom
// Search every board (Ctrl-P, g /) and My tasks (g m) through their keyboard: type, choose with
// the arrows or Ctrl-N/Ctrl-P, Enter shows the task on its board. Answered from a session
// recorded from the real shell (src-tauri/tests/scenarios/search.json): a second board,
// Venues, whose task names the caterer only in its description, an archived one, and tasks
// assigned to me due at every distance from the recording's clock.

import { render } from "solid-js/web";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { app } from "../app/app";
import { useBackend } from "../ipc";
import { settle } from "../test/fixtures";
import { createReplayBackend, type ReplayBackend } from "../test/replay";
import { MyTasksDialog, SearchDialog } from "./Search";

let dispose: (() => void) | undefined;
let replay: ReplayBackend;

/** The window's key handler, as the App component installs it. */
const onKeyDown = (e: KeyboardEvent) => app.onKeyDown(e);

function key(target: Element | Window, name: string, init: KeyboardEventInit = {}) {
  target.dispatchEvent(
    new KeyboardEvent("keydown", { key: name, bubbles: true, cancelable: true, ...init }),
  );
}

async function begin() {
  replay = createReplayBackend("search", { anyTime: ["set_selection"] });
  useBackend(replay);
  await app.start();
  await settle();
}

/** Renders the dialog the overlay names, as App's switch does. */
function show(dialog: () => ReturnType<typeof SearchDialog>) {
  const root = document.createElement("div");
  document.body.append(root);
  dispose = render(dialog, root);
}

/** Rows as the user reads them: `*` on the chosen one, its parts joined by " | ", marked words
 * in [brackets]; a group heading as its text. */
function rows(list: string): string[] {
  const marked = (el: Node): string =>
    [...el.childNodes]
      .map((n) =>
        n instanceof Element && n.tagName === "MARK"
          ? `[${n.textContent}]`
          : n.childNodes.length > 0
            ? marked(n)
            : (n.textContent ?? ""),
      )
      .join("");
  const parts =
    ".result-title, .result-snippet, .result-place, .archive-title, .archive-text .muted";
  return [...document.querySelectorAll(`[role=listbox][aria-label='${list}'] li`)].map((li) => {
    const chosen = li.getAttribute("aria-selected") === "true" ? "*" : "";
    const shown = [...li.querySelectorAll(parts)].map((part) => marked(part).trim());
    return chosen + (shown.length > 0 ? shown.join(" | ") : li.textContent.trim());
  });
}

function type(input: HTMLInputElement, text: string) {
  input.value = text;
  input.dispatchEvent(new InputEvent("input", { bubbles: true }));
}

function searchField(): HTMLInputElement {
  const input = document.querySelector<HTMLInputElement>("input[aria-label='Search every board']");
  if (!input) throw new Error("no search field");
  return input;
}

/** The focused card and the board it is on. */
function focused(): string {
  const s = app.store();
  const taskId = app.focus().taskId;
  const title = taskId === null ? "none" : (s?.task(taskId)?.().title ?? "?");
  return `${s?.title() ?? "no board"}: ${title}`;
}

beforeEach(() => {
  window.addEventListener("keydown", onKeyDown);
});

afterEach(() => {
  expect(replay.unexpected()).toEqual([]);
  window.removeEventListener("keydown", onKeyDown);
  dispose?.();
  dispose = undefined;
  app.closeOverlay();
  document.body.innerHTML = "";
});

describe("search every board", () => {
  it("opens with Ctrl-P or g /, finds a description word on another board, Enter opens it there", async () => {
    await begin();
    expect(app.store()?.title()).toBe("Product launch");
    key(window, "p", { ctrlKey: true });
    expect(app.overlay()).toBe("search");
    show(() => <SearchDialog />);
    const input = searchField();
    expect(document.activeElement).toBe(input);

    type(input, "caterer");
    await settle();
    // Ranked: the title match first; the other board's task by its description, the word
    // marked in a snippet; each with its board and column; the archived one left out.
    expect(rows("Tasks found")).toEqual([
      "*Book a [caterer] for the launch party | Product launch · Todo",
      expect.stringMatching(
        /^Renew the venue contract \| .*Call the \[caterer\] about the deposit.* \| .*Venues · To book$/,
      ),
    ]);

    key(input, "n", { ctrlKey: true });
    expect(rows("Tasks found")[1]).toMatch(/^\*Renew the venue contract/);
    key(input, "p", { ctrlKey: true });
    expect(rows("Tasks found")[0]).toMatch(/^\*Book a/);
    // Ctrl-P moved the choice: the search stayed open.
    expect(app.overlay()).toBe("search");
    key(input, "ArrowDown");
    key(input, "Enter");
    await settle();
    expect(app.overlay()).toBe("none");
    expect(focused()).toBe("Venues: Renew the venue contract");
    expect(app.detailTaskId()).toBe(app.focus().taskId);

    // g / opens it again, empty.
    key(window, "g");
    key(window, "/");
    expect(app.overlay()).toBe("search");
    expect(app.search.text()).toBe("");
  });

  it("finds archived tasks only on request (Alt-A)", async () => {
    await begin();
    app.run("view.search");
    show(() => <SearchDialog />);
    const input = searchField();
    type(input, "caterer");
    await settle();
    expect(rows("Tasks found")).toHaveLength(2);
    expect(document.body.textContent).not.toContain("Old caterer invoice");
    key(input, "a", { altKey: true, code: "KeyA" });
    await settle();
    expect(rows("Tasks found")).toHaveLength(3);
    expect(rows("Tasks found")).toContainEqual("Old [caterer] invoice Archived | Venues · Booked");
  });

  it("explains what the query cannot read, and searches with the rest", async () => {
    await begin();
    app.run("view.search");
    show(() => <SearchDialog />);
    const input = searchField();
    type(input, "caterer is:soon");
    await settle();
    const problems = document.getElementById("search-problems")?.textContent ?? "";
    expect(problems).toContain("soon");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(rows("Tasks found")).toHaveLength(2);

    type(input, "is:overdue @me");
    await settle();
    expect(rows("Tasks found").map((r) => r.replace(/^\*/, "").split(" | ")[0])).toEqual(
      expect.arrayContaining(["Sync status badge", "Fix drag ghost offset"]),
    );
    expect(rows("Tasks found")).toHaveLength(2);
    expect(input.getAttribute("aria-invalid")).toBeNull();

    type(input, "zebra");
    await settle();
    expect(document.body.textContent).toContain("No task matches");
    // Esc closes it, from the field.
    key(input, "Escape");
    expect(app.overlay()).toBe("none");
  });
});

describe("my tasks", () => {
  it("groups what is assigned to me on every board by due; j/k and Enter open one on its board", async () => {
    await begin();
    key(window, "g");
    key(window, "m");
    expect(app.overlay()).toBe("mytasks");
    show(() => <MyTasksDialog />);
    await settle();
    const list = document.querySelector("[role=listbox][aria-label='My tasks']");
    if (!list) throw new Error("no list");
    expect(document.activeElement).toBe(list);
    const titles = () => rows("My tasks").map((r) => r.split(" | ")[0]);
    expect(titles()).toEqual([
      "Overdue (2)",
      "*Sync status badge",
      "Fix drag ghost offset",
      "Today (1)",
      "Release notes for 0.1",
      "This week (1)",
      "Renew the venue contract",
      "Later (1)",
      "Pricing page copy",
      "No date (1)",
      "Keyboard cheat sheet",
    ]);
    expect(rows("My tasks")[6]).toContain("Venues · To book");
    key(list, "j");
    key(list, "ArrowDown");
    key(list, "j");
    key(list, "k");
    key(list, "j");
    expect(titles()[6]).toBe("*Renew the venue contract");
    key(list, "Enter");
    await settle();
    expect(app.overlay()).toBe("none");
    expect(focused()).toBe("Venues: Renew the venue contract");
  });
});
