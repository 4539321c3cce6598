// @vitest-environment happy-dom
// My reminder of a task with a due, in its panel: none at first, "15 minutes before" set from
// the select (shown as the store says when it fires), then none again. Answered from a session
// recorded from the real shell (src-tauri/tests/scenarios/reminder-set.json).

import { render } from "solid-js/web";
import { afterEach, describe, expect, it } from "vitest";
import { app } from "../app/app";
import { useBackend } from "../ipc";
import { createReplayBackend, type ReplayBackend } from "../test/replay";
import { settle } from "../test/fixtures";
import { ReminderField } from "./Reminder";

let replay: ReplayBackend;
let dispose: (() => void) | undefined;

afterEach(() => {
  expect(replay.unexpected()).toEqual([]);
  dispose?.();
  dispose = undefined;
  document.body.innerHTML = "";
});

function choose(select: HTMLSelectElement, value: string) {
  select.value = value;
  select.dispatchEvent(new Event("change", { bubbles: true }));
}

describe("the reminder field", () => {
  it("sets a reminder before the due and removes it", async () => {
    replay = createReplayBackend("reminder-set", { anyTime: ["set_selection"] });
    useBackend(replay);
    await app.start();
    await settle();
    const store = app.store();
    const task = store
      ?.columnIds()
      .flatMap((c) => app.visibleTasks(c))
      .map((id) => store.task(id)?.())
      .find((t) => t?.title === "Sync status badge");
    if (!store || !task) throw new Error("no sample task with a due");
    const root = document.createElement("div");
    document.body.append(root);
    dispose = render(() => <ReminderField boardId={store.id} task={task} />, root);
    await settle();
    const select = document.querySelector<HTMLSelectElement>("#reminder-select");
    if (!select) throw new Error("no reminder field");
    expect(select.value).toBe("none");
    expect(document.querySelector(".field .meta")).toBeNull();

    choose(select, "15");
    await settle();
    expect(select.value).toBe("15");
    expect(document.querySelector(".field .meta")?.textContent).toContain("15 min before due");

    choose(select, "none");
    await settle();
    expect(select.value).toBe("none");
    expect(document.querySelector(".field .meta")).toBeNull();
    expect(replay.calls().map((c) => c.name)).toContain("set_task_reminder");
  });
});
