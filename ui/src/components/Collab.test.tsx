// @vitest-environment happy-dom
// Collaboration in the rendered app, against the in-memory backend playing the relay and the
// other people: the sync indicator, viewers, presence, conflicts, removal and closing.

import { render } from "solid-js/web";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { app } from "../app/app";
import { REMOVED_MESSAGE, VIEWER_REASON } from "../app/sync";
import { listMembers, useBackend } from "../ipc";
import { ALICE, BOB, createFakeBackend, type FakeBackend } from "../ipc/fake";
import { App } from "./App";
import { settle } from "../test/fixtures";

let fake: FakeBackend;
let dispose: (() => void) | undefined;

/** Waits (boundedly) for something the app does after a short timer. */
async function until(condition: () => boolean) {
  for (let i = 0; i < 100 && !condition(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(condition()).toBe(true);
}

async function start(params = "") {
  fake = createFakeBackend(new URLSearchParams(params));
  useBackend(fake);
  const root = document.createElement("div");
  document.body.append(root);
  dispose = render(() => <App />, root);
  await until(() => app.store() !== undefined && app.collab.status() !== null);
  await settle();
}

function press(...keys: string[]) {
  for (const key of keys) {
    document.body.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true }));
  }
}

const $ = (selector: string) => document.querySelector<HTMLElement>(selector);
const syncStatus = () => $('[role=status][aria-label="Sync status"]')?.textContent;
const board = () => $("[role=region][aria-roledescription=board]");
/** Column title per task title, to see whether anything moved. */
function places(): string[] {
  const s = app.store();
  if (!s) return [];
  return s
    .columnIds()
    .flatMap((c) =>
      s
        .taskIds(c)()
        .map((t) => `${s.task(t)?.().title}@${c}`),
    )
    .sort();
}
const focusedTask = () => app.focus().taskId ?? "";

beforeEach(() => {
  document.body.innerHTML = "";
});

afterEach(() => {
  // The app is one object for the whole file: leave no dialog or notice to the next test.
  app.closeOverlay();
  app.collab.dismissNotice();
  dispose?.();
  dispose = undefined;
});

describe("sync indicator", () => {
  it("says Synced, counts edits made offline, and returns to Synced once online", async () => {
    await start();
    expect(syncStatus()).toBe("Synced");
    fake.sim.setOnline(false);
    press("L");
    await settle();
    expect(syncStatus()).toBe("Offline — 1 change saved on this computer");
    press("j", "L");
    await settle();
    expect(syncStatus()).toBe("Offline — 2 changes saved on this computer");
    const item = $(`.board-sync[data-board-id="${fake.sim.firstBoardId}"]`);
    expect(item?.textContent).toBe("Offline — 2 changes saved on this computer");
    fake.sim.setOnline(true);
    await settle();
    expect(syncStatus()).toBe("Synced");
    expect(fake.sim.pending(fake.sim.firstBoardId)).toBe(0);
  });

  it("signs in from the settings dialog and then syncs", async () => {
    await start("signedOut");
    expect(syncStatus()).toBe("Signed out — sign in to sync");
    app.run("account.settings");
    await settle();
    const dialog = $('[role=dialog][aria-label="Account and server"]');
    const email = dialog?.querySelector<HTMLInputElement>("input[type=email]");
    const password = dialog?.querySelector<HTMLInputElement>("input[type=password]");
    if (!email || !password) throw new Error("no sign-in fields");
    email.value = "me@example.com";
    password.value = "wrong password";
    dialog?.querySelector<HTMLButtonElement>("button[type=submit]")?.click();
    await until(() => dialog?.querySelector("[role=alert]")?.textContent !== "");
    expect(dialog?.querySelector("[role=alert]")?.textContent).toBe("wrong email or password");
    password.value = "password123";
    dialog?.querySelector<HTMLButtonElement>("button[type=submit]")?.click();
    await until(() => syncStatus() === "Synced");
    expect($(".sidebar-foot .signed-in")?.textContent).toBe("me@example.com");
  });
});

describe("viewers", () => {
  it("makes the board read-only: aria-readonly, a banner, keys give a notice and change nothing", async () => {
    await start();
    expect(board()?.getAttribute("aria-readonly")).toBe("false");
    fake.sim.setRole(fake.sim.firstBoardId, "viewer");
    await settle();
    expect(board()?.getAttribute("aria-readonly")).toBe("true");
    expect($('[role=note][aria-label="Read-only board"]')?.textContent).toContain(VIEWER_REASON);
    const before = places();
    press("L", "o", "d", "d", "u");
    await settle();
    expect(places()).toEqual(before);
    expect(fake.sim.refusedEdits()).toBe(0);
    expect($(".composer")).toBeNull();
    expect($(".toast")?.textContent).toBe(VIEWER_REASON);
    // Moving around still works.
    const first = focusedTask();
    press("j");
    expect(focusedTask()).not.toBe(first);
  });

  it("still shows teammates' edits live", async () => {
    await start("viewer");
    const taskId = focusedTask();
    fake.sim.remoteEdit(fake.sim.firstBoardId, { type: "setTaskTitle", taskId, title: "Renamed" });
    await settle();
    expect($(`[data-task-id="${taskId}"][role=option]`)?.getAttribute("aria-label")).toBe(
      "Renamed",
    );
  });

  it("marks editing commands disabled, with the reason, in the palette and the cheat sheet", async () => {
    await start("viewer");
    app.run("view.palette");
    await settle();
    const option = (id: string) => $(`[role=option][data-command-id="${id}"]`);
    expect(option("task.move_right")?.getAttribute("aria-disabled")).toBe("true");
    expect(option("task.move_right")?.getAttribute("title")).toBe(VIEWER_REASON);
    expect(option("cursor.down")?.hasAttribute("aria-disabled")).toBe(false);
    press("Escape");
    app.run("view.cheatsheet");
    await settle();
    const entry = (id: string) => $(`.cheatsheet dd[data-command-id="${id}"]`);
    expect(entry("task.archive")?.getAttribute("aria-disabled")).toBe("true");
    expect(entry("view.filter")?.hasAttribute("aria-disabled")).toBe(false);
  });

  it("turns editing back on when the owner makes me an editor again", async () => {
    await start("viewer");
    fake.sim.setRole(fake.sim.firstBoardId, "editor");
    await settle();
    expect(board()?.getAttribute("aria-readonly")).toBe("false");
    const before = places();
    press("L");
    await settle();
    expect(places()).not.toEqual(before);
  });
});

describe("presence", () => {
  it("lists the people on the board and outlines exactly the card each has selected", async () => {
    await start();
    press("j");
    const mine = focusedTask();
    const s = app.store();
    const column = s?.columnIds()[1] ?? "";
    const theirs = s?.taskIds(column)()[0] ?? "";
    fake.sim.setPeople(fake.sim.firstBoardId, [
      { ...ALICE, taskId: theirs },
      { ...BOB, taskId: null },
    ]);
    await settle();
    const people = [
      ...document.querySelectorAll(
        '[role=list][aria-label="People on this board"] [role=listitem]',
      ),
    ].map((el) => el.getAttribute("aria-label"));
    expect(people).toEqual(["me@example.com", ALICE.name, BOB.name]);
    const outlined = () =>
      [...document.querySelectorAll<HTMLElement>("[role=option].has-presence")].map(
        (el) => el.dataset["taskId"],
      );
    expect(outlined()).toEqual([theirs]);
    const card = $(`[role=option][data-task-id="${theirs}"]`);
    expect(card?.style.getPropertyValue("--presence")).toBe(ALICE.color);
    expect(card?.getAttribute("aria-description")).toBe(`Selected by ${ALICE.name}`);
    expect($(`[role=option][data-task-id="${mine}"]`)?.classList.contains("has-presence")).toBe(
      false,
    );
    // Alice moves on to my card; Bob leaves.
    fake.sim.setPeople(fake.sim.firstBoardId, [{ ...ALICE, taskId: mine }]);
    await settle();
    expect(outlined()).toEqual([mine]);
    expect(document.querySelectorAll("[aria-label='People on this board'] li")).toHaveLength(2);
  });

  it("tells the backend which card I selected, once the cursor rests", async () => {
    await start();
    press("j", "j");
    const selected = focusedTask();
    await until(() => fake.sim.mySelection(fake.sim.firstBoardId) === selected);
  });
});

describe("notices", () => {
  it("names the field and the person whose change won; Esc dismisses it", async () => {
    await start();
    fake.sim.conflict(fake.sim.firstBoardId, focusedTask(), "title", "alice@example.com");
    await settle();
    const notice = () => $('[role=note][aria-label="Notice"]');
    expect(notice()?.textContent).toContain(
      "alice@example.com changed the title at the same time; their version was kept.",
    );
    press("Escape");
    await settle();
    expect(notice()).toBeNull();
  });

  it("closes a board I was removed from with a message and opens my copy read-only", async () => {
    await start();
    fake.sim.removeAccess(fake.sim.firstBoardId);
    await until(() => board()?.getAttribute("aria-readonly") === "true");
    expect($('[role=note][aria-label="Notice"]')?.textContent).toContain(REMOVED_MESSAGE);
    expect(app.store()?.id).toBe(fake.sim.firstBoardId);
    // Its copy is listed with the shared boards, saying why it no longer syncs.
    const item = $(
      `[aria-labelledby=shared-boards] .board-sync[data-board-id="${fake.sim.firstBoardId}"]`,
    );
    expect(item?.textContent).toMatch(/^Read-only · Access removed/);
    const before = places();
    press("L");
    await settle();
    expect(places()).toEqual(before);
  });
});

describe("closing the window", () => {
  it("asks first when changes have not reached the server; Cancel stays, Close anyway closes", async () => {
    await start();
    fake.sim.setOnline(false);
    press("L");
    await settle();
    fake.sim.requestClose();
    await settle();
    const dialog = () => $('[role=alertdialog][aria-label="Unsynced changes"]');
    expect(dialog()?.textContent).toContain("1 change has not reached the server yet.");
    const button = (name: string) =>
      [...(dialog()?.querySelectorAll("button") ?? [])].find((b) => b.textContent === name);
    button("Cancel")?.click();
    await settle();
    expect(dialog()).toBeNull();
    expect(fake.sim.closed()).toBe(false);
    fake.sim.requestClose();
    await settle();
    button("Close anyway")?.click();
    await settle();
    expect(fake.sim.closed()).toBe(true);
  });

  it("closes without asking when everything is synced", async () => {
    await start();
    fake.sim.requestClose();
    await settle();
    expect($("[role=alertdialog]")).toBeNull();
    expect(fake.sim.closed()).toBe(true);
  });
});

describe("sharing", () => {
  it("lists members, changes a role, invites by email, makes an invite link and joins by one", async () => {
    await start("shared");
    press("S");
    const dialog = () => $('[role=dialog][aria-label="Share board"]');
    const members = () =>
      [...(dialog()?.querySelectorAll(".members li") ?? [])].map((li) =>
        li.textContent.replace(/\s+/g, " ").trim(),
      );
    await until(() => members().length === 2);
    const role = dialog()?.querySelector<HTMLSelectElement>(
      'select[aria-label="Role of alice@example.com"]',
    );
    if (!role) throw new Error("no role select for Alice");
    role.value = "viewer";
    role.dispatchEvent(new Event("change", { bubbles: true }));
    await settle();
    const alice = (await listMembers(fake.sim.firstBoardId)).find((m) => m.userId === ALICE.userId);
    expect(alice?.role).toBe("viewer");
    const email = dialog()?.querySelector<HTMLInputElement>('input[aria-label="Invite by email"]');
    if (!email) throw new Error("no invite field");
    email.value = BOB.name;
    email.form?.requestSubmit();
    await until(() => members().length === 3);
    const buttons = () => [...(dialog()?.querySelectorAll("button") ?? [])];
    buttons()
      .find((b) => b.textContent === "Create link")
      ?.click();
    await until(() => $('input[aria-label="Invite link"]') !== null);
    const link = $('input[aria-label="Invite link"]') as HTMLInputElement | null;
    expect(link?.value).toMatch(/^https:\/\/tack\.example\.com\/invite\/inv-/);
    press("Escape");
    await settle();
    expect(dialog()).toBeNull();
    // The shared board not yet on this computer is in the sidebar; joining by the link opens one.
    expect($(".board-link.remote")?.textContent).toBe("Shared board");
    app.run("board.accept_invite");
    await settle();
    const paste = $(
      '[role=dialog] input[aria-label="Invite link or code"]',
    ) as HTMLInputElement | null;
    if (!paste || !link) throw new Error("no invite prompt");
    paste.value = link.value;
    paste.form?.requestSubmit();
    await until(() => app.store()?.title() === "Shared board");
    expect(app.boards().find((b) => b.id === app.store()?.id)?.role).toBe("editor");
  });
});
