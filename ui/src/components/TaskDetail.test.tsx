// @vitest-environment happy-dom
// The description editor: nothing typed waits for blur or close to be saved, and a teammate's
// edit arriving while typing merges into the text instead of replacing it.

import { render } from "solid-js/web";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { app } from "../app/app";
import { useBackend } from "../ipc";
import { createFakeBackend, type FakeBackend } from "../ipc/fake";
import { DESCRIPTION_AUTOSAVE_MS, TaskDetail } from "./TaskDetail";
import { settle } from "../test/fixtures";

let fake: FakeBackend;
let dispose: (() => void) | undefined;

const pause = () => new Promise((resolve) => setTimeout(resolve, DESCRIPTION_AUTOSAVE_MS + 50));

beforeEach(async () => {
  fake = createFakeBackend(new URLSearchParams());
  useBackend(fake);
  await app.start();
  await settle();
});

afterEach(() => {
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
    const { area, taskId } = editDescription();
    type(area, "Goals: ship it");
    await pause();
    await settle();
    type(area, "Goals: ship it\nOwner: Ana");
    fake.sim.remoteEdit(fake.sim.firstBoardId, {
      type: "setDescription",
      taskId,
      text: "Goals: ship it by Friday",
    });
    await settle();
    expect(area.value).toBe("Goals: ship it by Friday\nOwner: Ana");
    expect(area.selectionStart).toBe(area.value.length);
    await pause();
    await settle();
    expect(stored(taskId)).toBe("Goals: ship it by Friday\nOwner: Ana");
  });
});
