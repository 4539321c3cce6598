// @vitest-environment happy-dom
// A task's Files in its panel: Alt+F reaches them, "Attach file…" attaches what the system's
// dialog picked (the card counts them with a paperclip), a script asks before it opens, Save as…
// and Remove. Answered from a session recorded from the real shell
// (src-tauri/tests/scenarios/attachments.json).

import { render } from "solid-js/web";
import { afterEach, describe, expect, it } from "vitest";
import { app } from "../app/app";
import { useBackend } from "../ipc";
import { createReplayBackend, type ReplayBackend } from "../test/replay";
import { settle } from "../test/fixtures";
import { formatSize, pastedName } from "./Attachments";
import { Board } from "./Board";
import { TaskDetail } from "./TaskDetail";

let replay: ReplayBackend;
let dispose: (() => void) | undefined;

afterEach(() => {
  expect(replay.unexpected()).toEqual([]);
  dispose?.();
  dispose = undefined;
  document.body.innerHTML = "";
});

const files = () =>
  [...document.querySelectorAll<HTMLElement>(".file")].map((li) =>
    li.textContent.replace(/\s+/g, " ").trim(),
  );

function button(label: string): HTMLButtonElement {
  const found = document.querySelector<HTMLButtonElement>(`button[aria-label="${label}"]`);
  if (!found) throw new Error(`no button ${label}`);
  return found;
}

describe("files in the task panel", () => {
  it("attaches, counts on the card, asks before a script opens, saves and removes", async () => {
    replay = createReplayBackend("attachments", { anyTime: ["set_selection"] });
    useBackend(replay);
    await app.start();
    await settle();
    const store = app.store();
    const taskId = app.focus().taskId;
    if (!store || taskId === null) throw new Error("no focused task");
    app.setDetailTaskId(taskId);
    const root = document.createElement("div");
    document.body.append(root);
    dispose = render(
      () => (
        <>
          <Board store={store} />
          <TaskDetail store={store} taskId={taskId} />
        </>
      ),
      root,
    );
    await settle();
    const card = () => document.querySelector<HTMLElement>(`[data-task-id="${taskId}"] .card-meta`);
    expect(files()).toEqual([]);
    expect(card()?.querySelector('[aria-label$="files"], [aria-label$="file"]')).toBeNull();

    // Alt+F: the Files section's first button (nothing attached yet: Attach file…).
    const panel = document.querySelector<HTMLElement>("aside.detail");
    panel?.dispatchEvent(
      new KeyboardEvent("keydown", { key: "f", code: "KeyF", altKey: true, bubbles: true }),
    );
    await settle();
    expect(document.activeElement).toBe(button("Attach file…"));

    button("Attach file…").click();
    await settle();
    expect(store.task(taskId)?.().attachmentCount).toBe(2);
    expect(files()).toHaveLength(2);
    expect(files()[0]).toContain("floor plan.pdf");
    expect(files()[0]).toContain("21 B · You · on this computer");
    expect(files()[1]).toContain("install.sh");
    const clip = card()?.querySelector<HTMLElement>('[aria-label="2 files"]');
    expect(clip?.querySelector("svg")).not.toBeNull();
    expect(clip?.textContent.trim()).toBe("2");

    // A script: asked first, nothing opened until "Open anyway".
    button("Open install.sh").click();
    await settle();
    const alert = document.querySelector<HTMLElement>(".file-confirm");
    expect(alert?.textContent).toContain("opening it runs it");
    expect(document.activeElement?.textContent).toBe("Cancel");
    const anyway = [...(alert?.querySelectorAll("button") ?? [])].find(
      (b) => b.textContent === "Open anyway",
    );
    anyway?.click();
    await settle();
    expect(document.querySelector(".file-confirm")).toBeNull();

    button("Save floor plan.pdf as").click();
    await settle();
    expect(app.toast()?.text).toBe("Saved /home/me/floor plan.pdf");

    button("Remove floor plan.pdf").click();
    await settle();
    expect(store.task(taskId)?.().attachmentCount).toBe(1);
    expect(files()).toHaveLength(1);
    expect(files()[0]).toContain("install.sh");
    expect(card()?.querySelector('[aria-label="1 file"]')).not.toBeNull();

    const sent = replay
      .calls()
      .map((c) => c.name)
      .filter((n) => n.includes("attach"));
    expect(sent).toEqual([
      "attach_files",
      "list_attachments",
      "open_attachment",
      "open_attachment",
      "save_attachment_as",
      "remove_attachment",
      "list_attachments",
    ]);
  });

  it("shows sizes people read and names pasted screenshots by time", () => {
    expect(formatSize(512)).toBe("512 B");
    expect(formatSize(12 * 1024)).toBe("12 KB");
    expect(formatSize(3.4 * 1024 * 1024)).toBe("3.4 MB");
    const now = new Date("2026-12-05T05:06:07Z");
    expect(pastedName(new File(["x"], "image.png", { type: "image/png" }), now)).toBe(
      "Pasted 2026-12-05 05-06-07.png",
    );
    expect(pastedName(new File(["x"], "diagram.jpg", { type: "image/jpeg" }), now)).toBe(
      "diagram.jpg",
    );
  });
});
