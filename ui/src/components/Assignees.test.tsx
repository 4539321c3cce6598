// @vitest-environment happy-dom
// Assignees are members: the picker offers the board's people (the cached directory) from the
// keyboard, cards show initials with the full name as their label, and an older board's
// free-text assignee is kept, marked unmatched, and mapped to a member in one undoable step.
// Answered from a session recorded from the real shell (scenarios/assignee-pick.json).

import { render } from "solid-js/web";
import { afterEach, describe, expect, it } from "vitest";
import { app } from "../app/app";
import { useBackend } from "../ipc";
import { createReplayBackend, type ReplayBackend } from "../test/replay";
import { settle } from "../test/fixtures";
import { TaskDetail } from "./TaskDetail";

let replay: ReplayBackend;
let dispose: (() => void) | undefined;

afterEach(() => {
  expect(replay.unexpected()).toEqual([]);
  dispose?.();
  dispose = undefined;
  document.body.innerHTML = "";
});

/** Presses `key`; false when the handler took it (the app's own keys then ignore it). */
function key(target: HTMLElement, key: string): boolean {
  return target.dispatchEvent(
    new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }),
  );
}

function type(input: HTMLInputElement, text: string) {
  input.value = text;
  input.dispatchEvent(new InputEvent("input", { bubbles: true }));
}

const chips = () =>
  [...document.querySelectorAll<HTMLElement>("ul[aria-label='Assignees'] .chip")].map((c) => ({
    text: [...c.childNodes]
      .filter((n) => !(n instanceof HTMLElement && n.tagName === "BUTTON"))
      .map((n) => n.textContent)
      .join("")
      .trim(),
    unmatched: c.classList.contains("unmatched"),
  }));

const options = () =>
  [...document.querySelectorAll<HTMLElement>("[role='listbox'] [role='option']")].map((o) => ({
    text: [...o.childNodes]
      .filter((n) => !(n instanceof HTMLElement && n.classList.contains("avatar")))
      .map((n) => n.textContent)
      .join("")
      .trim(),
    initials: o.querySelector(".avatar")?.textContent,
    selected: o.getAttribute("aria-selected") === "true",
  }));

describe("assignees in the task panel", () => {
  it("picks a member from the keyboard and maps a free-text name to a member", async () => {
    replay = createReplayBackend("assignee-pick", { anyTime: ["set_selection", "task_reminder"] });
    useBackend(replay);
    await app.start();
    await settle();
    const store = app.store();
    if (!store) throw new Error("no board");
    const taskId = replay.id("task:Sync status badge");
    expect(store.people().map((p) => p.name)).toEqual(["ada", "bo", "me"]);

    const root = document.createElement("div");
    document.body.append(root);
    dispose = render(() => <TaskDetail store={store} taskId={taskId} />, root);
    await settle();
    // The sample's "ada" and "lin" were typed as names by an older version: kept, marked.
    expect(chips()).toEqual([
      { text: "“ada”", unmatched: true },
      { text: "“lin”", unmatched: true },
    ]);

    const picker = document.querySelector<HTMLInputElement>("input[aria-label='Assign someone']");
    if (!picker) throw new Error("no picker");
    picker.focus();
    type(picker, "b");
    expect(options()).toEqual([{ text: "bo <bo@example.com>", initials: "B", selected: true }]);
    expect(picker.getAttribute("aria-expanded")).toBe("true");
    // Esc closes the list and keeps the text; the panel stays open.
    expect(key(picker, "Escape")).toBe(false);
    expect(options()).toEqual([]);
    expect(picker.value).toBe("b");
    // Emptied, it lists everyone; Down moves to the second.
    type(picker, "");
    key(picker, "ArrowDown");
    expect(options().map((o) => o.text)).toEqual([
      "ada <ada@example.com>",
      "bo <bo@example.com>",
      "me (you)",
    ]);
    expect(options()[1]?.selected).toBe(true);
    key(picker, "Enter");
    await settle();
    // Assignees are kept by id (sorted), so the member comes first.
    expect(chips()).toEqual([
      { text: "bo", unmatched: false },
      { text: "“ada”", unmatched: true },
      { text: "“lin”", unmatched: true },
    ]);
    expect(picker.value).toBe("");

    // Map "ada" to the member Ada: one edit, the name's place taken by her id.
    document.querySelector<HTMLButtonElement>("[aria-label='Map “ada” to a member']")?.click();
    await settle();
    const mapper = document.querySelector<HTMLInputElement>("input[aria-label='Map “ada” to']");
    if (!mapper) throw new Error("no mapping picker");
    expect(document.activeElement).toBe(mapper);
    expect(options()[0]?.text).toBe("ada <ada@example.com>");
    key(mapper, "Tab");
    await settle();
    expect(chips()).toEqual([
      { text: "bo", unmatched: false },
      { text: "ada", unmatched: false },
      { text: "“lin”", unmatched: true },
    ]);
    expect(store.task(taskId)?.().assignees).toEqual([
      "0190a000-0000-7000-8000-0000000000b2",
      "0190a000-0000-7000-8000-0000000000c3",
      "lin",
    ]);

    // Undo puts the name back, as it was.
    app.run("edit.undo");
    await settle();
    expect(chips()).toEqual([
      { text: "bo", unmatched: false },
      { text: "“ada”", unmatched: true },
      { text: "“lin”", unmatched: true },
    ]);
  });

  it("shows initials on the card with the full name as the label", async () => {
    replay = createReplayBackend("assignee-pick", { anyTime: ["set_selection", "task_reminder"] });
    useBackend(replay);
    await app.start();
    await settle();
    const store = app.store();
    if (!store) throw new Error("no board");
    const { Board } = await import("./Board");
    const root = document.createElement("div");
    document.body.append(root);
    dispose = render(() => <Board store={store} />, root);
    await settle();
    const card = document.querySelector<HTMLElement>(
      `[data-task-id='${replay.id("task:Sync status badge")}']`,
    );
    const avatars = [...(card?.querySelectorAll<HTMLElement>(".avatar") ?? [])].map((a) => ({
      initials: a.textContent,
      label: a.getAttribute("aria-label"),
      unmatched: a.classList.contains("unmatched"),
    }));
    expect(avatars).toEqual([
      { initials: "A", label: "Assigned to ada", unmatched: true },
      { initials: "L", label: "Assigned to lin", unmatched: true },
    ]);
  });
});
