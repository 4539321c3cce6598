// @vitest-environment happy-dom
// The palette (Ctrl-K) through its keyboard: it finds a task on another board and opens it
// there, and acts on the task under the cursor (Move to, Due, Assign, Label), each an edit
// that `u` undoes. Answered from a session recorded from the real shell
// (src-tauri/tests/scenarios/palette.json): the sample board with a cached member directory
// (me, ana) and a second board, Venues.

import { Show, type JSX } from "solid-js";
import { render } from "solid-js/web";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { app } from "../app/app";
import { useBackend } from "../ipc";
import { settle } from "../test/fixtures";
import { createReplayBackend, type ReplayBackend } from "../test/replay";
import { Palette } from "./Palette";

let dispose: (() => void) | undefined;
let replay: ReplayBackend;

/** The window's key handler, as the App component installs it. */
const onKeyDown = (e: KeyboardEvent) => app.onKeyDown(e);

function key(target: Element | Window, name: string, init: KeyboardEventInit = {}) {
  target.dispatchEvent(
    new KeyboardEvent("keydown", { key: name, bubbles: true, cancelable: true, ...init }),
  );
}

/** Starts the app on the recording, the palette shown whenever it is open (as App does). */
async function begin() {
  replay = createReplayBackend("palette", { anyTime: ["set_selection"] });
  useBackend(replay);
  await app.start();
  await settle();
  const root = document.createElement("div");
  document.body.append(root);
  dispose = render(
    (): JSX.Element => (
      <Show when={app.overlay() === "palette"}>
        <Palette />
      </Show>
    ),
    root,
  );
}

/** Ctrl-K, then `text` typed into the palette; its field. */
async function palette(text: string): Promise<HTMLInputElement> {
  key(window, "k", { ctrlKey: true });
  expect(app.overlay()).toBe("palette");
  const input = document.querySelector<HTMLInputElement>("input[role=combobox]");
  if (!input) throw new Error("no palette field");
  expect(document.activeElement).toBe(input);
  input.value = text;
  input.dispatchEvent(new InputEvent("input", { bubbles: true }));
  await settle();
  return input;
}

/** The options as a screen reader gets them: `*` on the chosen one, `!` on a disabled one. */
function options(count = 3): string[] {
  return [...document.querySelectorAll("[role=listbox] [role=option]")]
    .slice(0, count)
    .map((li) => {
      const chosen = li.getAttribute("aria-selected") === "true" ? "*" : "";
      const disabled = li.getAttribute("aria-disabled") === "true" ? "!" : "";
      const parts = [...li.querySelectorAll(".result-title, .result-snippet, .result-place")];
      return chosen + disabled + parts.map((p) => p.textContent.trim()).join(" | ");
    });
}

/** The focused card and the board it is on. */
function focused(): string {
  const s = app.store();
  const taskId = app.focus().taskId;
  const title = taskId === null ? "none" : (s?.task(taskId)?.().title ?? "?");
  const column = taskId === null ? "" : (s?.column(s.columnOf(taskId) ?? "")?.().title ?? "?");
  return `${s?.title() ?? "no board"}: ${title} (${column})`;
}

function pricing() {
  const s = app.store();
  const id = s?.allTaskIds().find((t) => s.task(t)?.().title === "Pricing page copy");
  const task = id === undefined ? undefined : s?.task(id)?.();
  if (!task || !s) throw new Error("no Pricing page copy");
  return {
    due: task.due,
    labels: task.labels.map((l) => s.labels().get(l)?.name),
    assignees: task.assignees.map((a) => s.people().find((p) => p.userId === a)?.name),
  };
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

describe("the palette", () => {
  it("finds a task by title on another board; Enter opens it there", async () => {
    await begin();
    expect(focused()).toBe("Product launch: Pricing page copy (Backlog)");
    const input = await palette("venue contract");
    expect(options(1)).toEqual(["*Renew the venue contract | Venues · To book | Task"]);
    const chosen = document.getElementById(input.getAttribute("aria-activedescendant") ?? "");
    expect(chosen?.getAttribute("data-task-id")).toBe(replay.id("task:Renew the venue contract"));
    key(input, "Enter");
    await settle();
    expect(app.overlay()).toBe("none");
    expect(focused()).toBe("Venues: Renew the venue contract (To book)");
    expect(app.detailTaskId()).toBe(app.focus().taskId);
  });

  it("acts on the task under the cursor: Move to Done (u undoes it), Due, Assign, Label", async () => {
    await begin();
    let input = await palette("Move to Done");
    expect(document.getElementById("palette-hint")?.textContent).toContain(
      "Actions act on “Pricing page copy”.",
    );
    expect(options(1)).toEqual(["*Move to Done | “Pricing page copy” | Action"]);
    key(input, "Enter");
    await settle();
    expect(app.overlay()).toBe("none");
    expect(focused()).toBe("Product launch: Pricing page copy (Done)");
    expect(app.toast()?.text).toBe("“Pricing page copy” moved to Done");
    key(window, "u");
    await settle();
    expect(focused()).toBe("Product launch: Pricing page copy (Backlog)");

    // A date the shell cannot read is said, and Enter leaves the palette open to fix it.
    input = await palette("due someday");
    expect(options(1)[0]).toMatch(/^\*!Due someday \| .*someday.* \| Action$/);
    key(input, "Enter");
    await settle();
    expect(app.overlay()).toBe("palette");
    input.value = "due tomorrow 15:00";
    input.dispatchEvent(new InputEvent("input", { bubbles: true }));
    await settle();
    expect(options(1)[0]).toMatch(/^\*Due tomorrow 15:00 \| Sat Dec 5 2026, \d\d:\d\d · /);
    key(input, "Enter");
    await settle();
    expect(app.overlay()).toBe("none");
    expect(pricing().due).toBe("2026-12-05T15:00:00+00:00");

    input = await palette("assign ana");
    expect(options(1)).toEqual([
      "*Assign ana | ana <ana@example.com> · “Pricing page copy” | Action",
    ]);
    key(input, "Enter");
    await settle();
    expect(pricing().assignees).toEqual(["ana"]);

    // Up and Down choose; Enter runs the chosen one.
    input = await palette("label");
    expect(options()).toEqual([
      "*Label bug | “Pricing page copy” | Action",
      "Label design | “Pricing page copy” | Action",
      "Remove label docs | “Pricing page copy” | Action",
    ]);
    key(input, "ArrowDown");
    key(input, "ArrowDown");
    expect(options()[2]).toMatch(/^\*Remove label docs/);
    expect(input.getAttribute("aria-activedescendant")).toBe("palette-2");
    key(input, "ArrowUp");
    key(input, "p", { ctrlKey: true });
    expect(options(1)[0]).toMatch(/^\*Label bug/);
    key(input, "Enter");
    await settle();
    expect(pricing().labels).toEqual(["docs", "bug"]);
    expect(app.toast()?.text).toBe("Label bug added to “Pricing page copy”");
    expect(focused()).toBe("Product launch: Pricing page copy (Backlog)");
  });
});
