// @vitest-environment happy-dom
// A task's history in its panel: who changed what, newest first, and Restore bringing an
// earlier title back (the history then shows the restore too). Answered from a session
// recorded from the real shell (src-tauri/tests/scenarios/history-restore.json).

import { render } from "solid-js/web";
import { afterEach, describe, expect, it } from "vitest";
import { app } from "../app/app";
import { useBackend } from "../ipc";
import { createReplayBackend, type ReplayBackend } from "../test/replay";
import { settle } from "../test/fixtures";
import { History } from "./History";

let replay: ReplayBackend;
let dispose: (() => void) | undefined;

afterEach(() => {
  expect(replay.unexpected()).toEqual([]);
  dispose?.();
  dispose = undefined;
  document.body.innerHTML = "";
});

const entries = () =>
  [...document.querySelectorAll<HTMLElement>(".history-entry")].map((li) =>
    (li.querySelector("span")?.textContent ?? "").replace(/\s+/g, " ").trim(),
  );

describe("a task's history", () => {
  it("lists who changed what, newest first, and restores an earlier title", async () => {
    replay = createReplayBackend("history-restore", { anyTime: ["set_selection"] });
    useBackend(replay);
    await app.start();
    await settle();
    const store = app.store();
    const taskId = app.focus().taskId;
    if (!store || taskId === null) throw new Error("no focused task");
    await app.applyOp({ type: "setTaskTitle", taskId, title: "Pricing copy, second draft" });
    await app.applyOp({ type: "setTaskTitle", taskId, title: "Pricing copy, final" });
    await settle();

    const root = document.createElement("div");
    document.body.append(root);
    dispose = render(() => <History boardId={store.id} taskId={taskId} />, root);
    [...root.querySelectorAll<HTMLButtonElement>("button")]
      .find((b) => b.textContent === "Show who changed what")
      ?.click();
    await settle();
    expect(entries().slice(0, 2)).toEqual([
      'You renamed it to "Pricing copy, final"',
      'You renamed it to "Pricing copy, second draft"',
    ]);
    expect(entries().at(-1)).toBe('You created it as "Pricing page copy"');
    // A creation cannot be restored; a rename can.
    const created = root.querySelector<HTMLElement>(".history-entry:last-child");
    expect(created?.querySelector("button")).toBeNull();

    root
      .querySelector<HTMLButtonElement>(
        "[aria-label='Restore: renamed it to \"Pricing copy, second draft\"']",
      )
      ?.click();
    await settle();
    await settle();
    expect(store.task(taskId)?.().title).toBe("Pricing copy, second draft");
    expect(entries()[0]).toBe('You renamed it to "Pricing copy, second draft"');
  });
});
