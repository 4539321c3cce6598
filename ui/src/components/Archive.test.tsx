// @vitest-environment happy-dom
// The archive view through its keyboard: rows for what is archived, j/k to choose, Enter to
// restore, Delete to delete for good, / to filter. Answered from sessions recorded from the
// real shell (src-tauri/tests/scenarios/archive-*.json).

import { render } from "solid-js/web";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { app } from "../app/app";
import { useBackend } from "../ipc";
import { createReplayBackend, type ReplayBackend } from "../test/replay";
import { ArchiveDialog } from "./Dialogs";
import { settle } from "../test/fixtures";

let dispose: (() => void) | undefined;

function key(target: Element, name: string) {
  target.dispatchEvent(
    new KeyboardEvent("keydown", { key: name, bubbles: true, cancelable: true }),
  );
}

const rows = () =>
  [...document.querySelectorAll("[role=listbox][aria-label='Archived items'] [role=option]")].map(
    (li) => `${li.getAttribute("aria-selected") === "true" ? "*" : ""}${li.textContent}`,
  );

/** The window's key handler, as the App component installs it. */
const onKeyDown = (e: KeyboardEvent) => app.onKeyDown(e);

let replay: ReplayBackend;

async function begin(scenario: string) {
  replay = createReplayBackend(scenario, { anyTime: ["set_selection"] });
  useBackend(replay);
  await app.start();
  await settle();
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

async function openArchive(): Promise<Element> {
  app.run("board.archived");
  const root = document.createElement("div");
  document.body.append(root);
  dispose = render(() => <ArchiveDialog />, root);
  await settle();
  const list = document.querySelector("[role=listbox][aria-label='Archived items']");
  if (!list) throw new Error("no archive list");
  return list;
}

/** Archives the first two tasks of the first column ("Pricing page copy", "Offline …"). */
async function archiveFirstTwo() {
  for (let i = 0; i < 2; i++) {
    app.run("task.archive");
    await settle();
  }
}

describe("archive view", () => {
  it("says when nothing is archived", async () => {
    await begin("archive-empty");
    await openArchive();
    expect(rows()).toEqual([]);
    expect(document.body.textContent).toContain("Nothing is archived on this board.");
  });

  it("restores the chosen row with Enter and deletes one with Delete", async () => {
    await begin("archive-restore-delete");
    await archiveFirstTwo();
    const list = await openArchive();
    expect(document.activeElement).toBe(list);
    expect(rows()).toEqual([
      "*Pricing page copyTask in BacklogRestoreDelete",
      "Offline indicator in the sidebarTask in BacklogRestoreDelete",
    ]);

    key(list, "j");
    expect(rows()[1]?.startsWith("*Offline")).toBe(true);
    key(list, "Enter");
    await settle();
    expect(rows()).toEqual(["*Pricing page copyTask in BacklogRestoreDelete"]);
    expect(app.store()?.taskIds(app.focus().columnId ?? "")().length).toBe(2);
    expect(app.focus().taskId).not.toBeNull();
    expect(app.store()?.task(app.focus().taskId ?? "")?.().title).toBe(
      "Offline indicator in the sidebar",
    );

    key(list, "Delete");
    await settle();
    expect(rows()).toEqual([]);
    expect(app.toast()?.text).toBe("Deleted “Pricing page copy”");
  });

  it("filters with / by title or column; Enter in the filter restores the match, Esc goes back", async () => {
    await begin("archive-filter");
    await archiveFirstTwo();
    const list = await openArchive();
    key(list, "/");
    const filter = document.activeElement;
    if (!(filter instanceof HTMLInputElement)) throw new Error("the filter has no focus");
    expect(filter.getAttribute("aria-label")).toBe("Filter archived items");

    filter.value = "side";
    filter.dispatchEvent(new Event("input", { bubbles: true }));
    expect(rows()).toEqual(["*Offline indicator in the sidebarTask in BacklogRestoreDelete"]);
    filter.value = "nothing like it";
    filter.dispatchEvent(new Event("input", { bubbles: true }));
    expect(rows()).toEqual([]);
    expect(document.body.textContent).toContain("No archived item matches.");
    filter.value = "backlog pricing";
    filter.dispatchEvent(new Event("input", { bubbles: true }));
    expect(rows()).toEqual(["*Pricing page copyTask in BacklogRestoreDelete"]);

    key(filter, "Enter");
    await settle();
    expect(app.toast()?.text).toBe("Restored “Pricing page copy” to Backlog");
    expect(document.activeElement).toBe(filter);
    key(filter, "Escape");
    expect(document.activeElement).toBe(list);
    expect(app.overlay()).toBe("archive");
    key(list, "Escape");
    expect(app.overlay()).toBe("none");
  });

  it("shows a viewer the archive but restores and deletes nothing, saying why", async () => {
    await begin("archive-viewer");
    await archiveFirstTwo();
    replay.push("the owner makes me a viewer");
    await settle();
    const list = await openArchive();
    expect(rows()).toHaveLength(2);
    const reason = app.readOnlyReason();
    expect(reason).not.toBeNull();
    expect(document.querySelector(".archive [role=note]")?.textContent).toBe(reason);
    const buttons = [...document.querySelectorAll<HTMLButtonElement>(".archive li button")];
    expect(buttons.length).toBe(4);
    expect(buttons.every((b) => b.disabled)).toBe(true);

    key(list, "Enter");
    await settle();
    key(list, "Delete");
    await settle();
    expect(rows()).toHaveLength(2);
    expect(app.toast()?.text).toBe(reason);
    // Refused in the UI: no edit was even sent (the shell would have refused it too).
    expect(replay.calls().filter((c) => c.name === "apply")).toHaveLength(2);
  });
});
