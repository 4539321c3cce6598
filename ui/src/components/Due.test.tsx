// @vitest-environment happy-dom
// A due typed as people say it, in the task panel: a preview while typing, a reason for what is
// not a date, Enter to set, Clear to remove; the card shows it in relative words with its state
// in the icon and the label. Answered from a session recorded from the real shell
// (src-tauri/tests/scenarios/due-typed.json, read against a clock at 2026-12-04 10:30 UTC).

import { render } from "solid-js/web";
import { afterEach, describe, expect, it } from "vitest";
import { app } from "../app/app";
import { useBackend } from "../ipc";
import { createReplayBackend, type ReplayBackend } from "../test/replay";
import { settle } from "../test/fixtures";
import { DueChip } from "./Board";
import { TaskDetail } from "./TaskDetail";

let replay: ReplayBackend;
let dispose: (() => void) | undefined;

afterEach(() => {
  expect(replay.unexpected()).toEqual([]);
  dispose?.();
  dispose = undefined;
  document.body.innerHTML = "";
});

function type(input: HTMLInputElement, text: string) {
  input.value = text;
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

function press(input: HTMLInputElement, key: string) {
  input.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
}

const preview = () => document.querySelector("#due-preview");
const shown = () => document.querySelector(".detail .field .due")?.textContent ?? "";

describe("the due field", () => {
  it("previews what is typed, explains what is not a date, sets with Enter and clears", async () => {
    replay = createReplayBackend("due-typed", { anyTime: ["set_selection", "task_reminder"] });
    useBackend(replay);
    await app.start();
    await settle();
    const store = app.store();
    const taskId = app.focus().taskId;
    if (!store || taskId === null) throw new Error("no focused task");
    const root = document.createElement("div");
    document.body.append(root);
    dispose = render(() => <TaskDetail store={store} taskId={taskId} />, root);
    const input = document.querySelector<HTMLInputElement>("#due-input");
    if (!input) throw new Error("no due field");
    expect(document.querySelector(".detail .field .meta")?.textContent).toBe("No due date");

    type(input, "someday");
    await settle();
    expect(preview()?.textContent).toContain('did not understand "someday"');
    expect(preview()?.classList.contains("invalid")).toBe(true);
    press(input, "Enter");
    await settle();
    expect(store.task(taskId)?.().due).toBeNull();

    type(input, "dec 24 3pm");
    await settle();
    expect(preview()?.textContent).toBe("Enter sets Thu Dec 24 2026, 15:00");
    press(input, "Enter");
    await settle();
    expect(store.task(taskId)?.().due).toBe("2026-12-24T15:00:00+00:00");
    expect(input.value).toBe("");
    expect(shown()).toContain("Thu Dec 24 2026, 15:00");

    type(input, "tomorrow");
    await settle();
    press(input, "Enter");
    await settle();
    expect(store.task(taskId)?.().due).toBe("2026-12-05");

    // Esc throws away what is typed, not the panel.
    input.value = "fri";
    press(input, "Escape");
    expect(input.value).toBe("");

    [...document.querySelectorAll<HTMLButtonElement>(".detail button")]
      .find((b) => b.textContent === "Clear")
      ?.click();
    await settle();
    expect(store.task(taskId)?.().due).toBeNull();
  });

  it("marks an overdue card with a different icon and says so in its label", () => {
    replay = createReplayBackend("due-typed");
    const root = document.createElement("div");
    document.body.append(root);
    dispose = render(() => <DueChip due="2020-01-01" />, root);
    const chip = root.querySelector(".due");
    expect(chip?.getAttribute("data-status")).toBe("overdue");
    expect(chip?.getAttribute("aria-label")).toMatch(/overdue$/);
    expect(chip?.querySelector("circle")).toBeNull();
  });
});
