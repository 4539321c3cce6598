// @vitest-environment happy-dom
// The description editor: nothing typed waits for blur or close to be saved, each save is a
// splice of the text it was made on, and a teammate's edit arriving while typing merges into
// the text instead of replacing it. Answered from sessions recorded from the real shell
// (src-tauri/tests/scenarios/description-*.json): a save the shell was not sent fails.

import { render } from "solid-js/web";
import { afterEach, describe, expect, it } from "vitest";
import { app } from "../app/app";
import { useBackend } from "../ipc";
import { createReplayBackend, type ReplayBackend } from "../test/replay";
import { DESCRIPTION_AUTOSAVE_MS, TaskDetail } from "./TaskDetail";
import { settle } from "../test/fixtures";

let replay: ReplayBackend;
let dispose: (() => void) | undefined;

const pause = () => new Promise((resolve) => setTimeout(resolve, DESCRIPTION_AUTOSAVE_MS + 50));

async function begin(scenario: string) {
  replay = createReplayBackend(scenario, { anyTime: ["set_selection"] });
  useBackend(replay);
  await app.start();
  await settle();
}

afterEach(() => {
  expect(replay.unexpected()).toEqual([]);
  dispose?.();
  dispose = undefined;
  document.body.innerHTML = "";
});

/** Opens the focused task's panel and its description editor; answers the textarea. */
function editDescription(): { area: HTMLTextAreaElement; taskId: string } {
  const store = app.store();
  const taskId = app.focus().taskId;
  if (!store || taskId === null) throw new Error("no focused task");
  const root = document.createElement("div");
  document.body.append(root);
  dispose = render(() => <TaskDetail store={store} taskId={taskId} />, root);
  document.querySelector<HTMLElement>("[aria-label='Edit description']")?.click();
  const area = document.querySelector<HTMLTextAreaElement>("textarea[aria-label=Description]");
  if (!area) throw new Error("no description editor");
  return { area, taskId };
}

function type(area: HTMLTextAreaElement, text: string) {
  area.value = text;
  area.setSelectionRange(text.length, text.length);
  area.dispatchEvent(new Event("input", { bubbles: true }));
}

const stored = (taskId: string) => app.store()?.task(taskId)?.().description;

describe("description editor", () => {
  it("saves what is typed after a pause, while the field keeps focus", async () => {
    await begin("description-typed");
    const { area, taskId } = editDescription();
    expect(document.activeElement).toBe(area);
    type(area, "Goals: ship it");
    await settle();
    expect(stored(taskId)).toBe("");
    await pause();
    await settle();
    expect(stored(taskId)).toBe("Goals: ship it");
    expect(document.activeElement).toBe(area);
    expect(area.value).toBe("Goals: ship it");
  });

  it("merges a teammate's edit into the text being typed, then saves both", async () => {
    await begin("description-merged");
    const { area, taskId } = editDescription();
    type(area, "Goals: ship it");
    await pause();
    await settle();
    type(area, "Goals: ship it\nOwner: Ana");
    replay.push("teammate edits the description");
    await settle();
    expect(area.value).toBe("Goals: ship it by Friday\nOwner: Ana");
    expect(area.selectionStart).toBe(area.value.length);
    await pause();
    await settle();
    expect(stored(taskId)).toBe("Goals: ship it by Friday\nOwner: Ana");
  });

  it("sends each save as a splice of the text it was typed on", async () => {
    await begin("description-two-saves");
    const { area, taskId } = editDescription();
    type(area, "Goals: ship it");
    await pause();
    await settle();
    type(area, "Goals: ship it\nOwner: Ana");
    await pause();
    await settle();
    const saves = replay
      .calls()
      .filter((c) => c.name === "apply")
      .map((c) => (c.args as { op: unknown }).op);
    expect(saves).toEqual([
      { type: "spliceDescription", taskId, base: "", at: 0, delete: 0, insert: "Goals: ship it" },
      {
        type: "spliceDescription",
        taskId,
        base: "Goals: ship it",
        at: 14,
        delete: 0,
        insert: "\nOwner: Ana",
      },
    ]);
  });
});

describe("field keys", () => {
  it("Alt and a letter put the cursor in that field; the title has it first", async () => {
    await begin("app-start");
    const store = app.store();
    const taskId = app.focus().taskId;
    if (!store || taskId === null) throw new Error("no focused task");
    const root = document.createElement("div");
    document.body.append(root);
    dispose = render(() => <TaskDetail store={store} taskId={taskId} />, root);
    const title = document.querySelector<HTMLInputElement>("input[aria-label=Title]");
    expect(document.activeElement).toBe(title);
    const press = (code: string) =>
      document.activeElement?.dispatchEvent(
        new KeyboardEvent("keydown", {
          code,
          key: code.slice(3).toLowerCase(),
          altKey: true,
          bubbles: true,
        }),
      );
    const focused = () =>
      document.activeElement?.getAttribute("aria-label") ?? document.activeElement?.id;
    press("KeyL");
    await settle();
    expect(focused()).toBe("Add label");
    press("KeyK");
    await settle();
    expect(focused()).toBe("Add checklist item");
    press("KeyU");
    await settle();
    expect(focused()).toBe("due-input");
    press("KeyD");
    await settle();
    expect(focused()).toBe("Description");
    press("KeyT");
    await settle();
    expect(focused()).toBe("Title");
  });
});

describe("description links", () => {
  it("a click or Enter on a link opens it in the browser, not the editor", async () => {
    await begin("description-link");
    const store = app.store();
    if (!store) throw new Error("no board");
    const taskId = replay.id("task:Release notes for 0.1");
    const root = document.createElement("div");
    document.body.append(root);
    dispose = render(() => <TaskDetail store={store} taskId={taskId} />, root);
    const link = document.querySelector<HTMLAnchorElement>(".description-view a");
    expect(link?.textContent).toBe("the guide");
    link?.click();
    await settle();
    link?.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    await settle();
    expect(document.querySelector("textarea[aria-label=Description]")).toBeNull();
    const opened = { name: "open_link", args: { url: "https://example.com" } };
    expect(replay.calls().filter((c) => c.name === "open_link")).toEqual([opened, opened]);
  });
});
