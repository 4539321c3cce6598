// @vitest-environment happy-dom
// Collaboration in the rendered app: the sync indicator, viewers, presence, conflicts, removal
// and closing. Answered from sessions recorded from the real shell
// (src-tauri/tests/scenarios/collab-*.json): its board changes, its sentences and its events;
// what the relay and teammates do arrives as the recording's pushes.

import { render } from "solid-js/web";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { app } from "../app/app";
import { listMembers, useBackend } from "../ipc";
import type { Events } from "../ipc";
import { App } from "./App";
import { settle } from "../test/fixtures";
import { createReplayBackend, type RecordedStep, type ReplayBackend } from "../test/replay";

let replay: ReplayBackend | undefined;
const ALICE = { userId: "u-alice", name: "alice@example.com" };
const BOB = { userId: "u-bob", name: "bob@example.com" };

/** The recording's (the shell's) payload of a push's `event`. */
function payload<E extends keyof Events>(step: RecordedStep, event: E): Events[E] {
  const found = step.events.find((e) => e.event === event);
  if (!found) throw new Error(`no ${event} in the push`);
  return found.payload as Events[E];
}

/** The sample board's id in the recording. */
const boardId = () => replay?.id("board:Product launch") ?? "";
let dispose: (() => void) | undefined;

/** Waits (boundedly) for something the app does after a short timer. */
async function until(condition: () => boolean) {
  for (let i = 0; i < 100 && !condition(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(condition()).toBe(true);
}

async function start(scenario: string) {
  replay = createReplayBackend(scenario, { anyTime: ["set_selection"] });
  useBackend(replay);
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
  // Every call the UI made was one the real shell (or the relay) answered in the recording.
  expect(replay?.unexpected()).toEqual([]);
  // The app is one object for the whole file: leave no dialog or notice to the next test.
  app.closeOverlay();
  app.collab.dismissNotice();
  dispose?.();
  dispose = undefined;
});

describe("sync indicator", () => {
  it("says Synced, counts edits made offline, and returns to Synced once online", async () => {
    await start("collab-offline");
    expect(syncStatus()).toBe("Synced");
    replay?.push("offline");
    press("L");
    await settle();
    expect(syncStatus()).toBe("Offline — 1 change saved on this computer");
    press("j", "L");
    await settle();
    expect(syncStatus()).toBe("Offline — 2 changes saved on this computer");
    const item = $(`.board-sync[data-board-id="${boardId()}"]`);
    expect(item?.textContent).toBe("Offline — 2 changes saved on this computer");
    replay?.push("online");
    await settle();
    expect(syncStatus()).toBe("Synced");
  });

  it("signs in from the settings dialog and then syncs", async () => {
    await start("collab-sign-in");
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
    await start("collab-viewer");
    expect(board()?.getAttribute("aria-readonly")).toBe("false");
    const access = replay?.push("the owner makes me a viewer");
    if (!access) throw new Error("no push");
    // The shell's sentence, shown as given.
    const reason = payload(access, "board-access").reason ?? "";
    expect(reason).toBe("You can view this board but not edit it.");
    await settle();
    expect(board()?.getAttribute("aria-readonly")).toBe("true");
    expect($('[role=note][aria-label="Read-only board"]')?.textContent).toContain(reason);
    const before = places();
    press("L", "o", "d", "d", "u");
    await settle();
    expect(places()).toEqual(before);
    // Refused in the UI: no edit was even sent (the shell would have refused it too).
    expect(replay?.calls().filter((c) => ["apply", "undo"].includes(c.name))).toEqual([]);
    expect($(".composer")).toBeNull();
    expect($(".toast")?.textContent).toBe(reason);
    // Moving around still works.
    const first = focusedTask();
    press("j");
    expect(focusedTask()).not.toBe(first);
  });

  it("still shows teammates' edits live", async () => {
    await start("collab-viewer-sees-edits");
    const taskId = focusedTask();
    replay?.push("a teammate renames the card");
    await settle();
    expect($(`[data-task-id="${taskId}"][role=option]`)?.getAttribute("aria-label")).toBe(
      "Renamed",
    );
  });

  it("marks editing commands disabled, with the reason, in the palette and the cheat sheet", async () => {
    await start("collab-viewer-start");
    const reason = app.readOnlyReason();
    expect(reason).toBe("You can view this board but not edit it.");
    app.run("view.palette");
    await settle();
    const option = (id: string) => $(`[role=option][data-command-id="${id}"]`);
    expect(option("task.move_right")?.getAttribute("aria-disabled")).toBe("true");
    expect(option("task.move_right")?.getAttribute("title")).toBe(reason);
    expect(option("cursor.down")?.hasAttribute("aria-disabled")).toBe(false);
    press("Escape");
    app.run("view.cheatsheet");
    await settle();
    const entry = (id: string) => $(`.cheatsheet dd[data-command-id="${id}"]`);
    expect(entry("task.archive")?.getAttribute("aria-disabled")).toBe("true");
    expect(entry("view.filter")?.hasAttribute("aria-disabled")).toBe(false);
  });

  it("turns editing back on when the owner makes me an editor again", async () => {
    await start("collab-editor-again");
    replay?.push("the owner makes me an editor again");
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
    await start("collab-presence");
    press("j");
    const mine = focusedTask();
    const s = app.store();
    const column = s?.columnIds()[1] ?? "";
    const theirs = s?.taskIds(column)()[0] ?? "";
    expect(theirs).toBe(replay?.id("task:Keyboard cheat sheet"));
    expect(mine).toBe(replay?.id("task:Offline indicator in the sidebar"));
    const arrived = replay?.push("alice and bob arrive");
    if (!arrived) throw new Error("no push");
    const aliceColor =
      payload(arrived, "presence").people.find((p) => p.userId === ALICE.userId)?.color ?? "";
    expect(aliceColor).toMatch(/^#[0-9a-f]{6}$/);
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
    expect(card?.style.getPropertyValue("--presence")).toBe(aliceColor);
    expect(card?.getAttribute("aria-description")).toBe(`Selected by ${ALICE.name}`);
    expect($(`[role=option][data-task-id="${mine}"]`)?.classList.contains("has-presence")).toBe(
      false,
    );
    // Alice moves on to my card; Bob leaves.
    replay?.push("alice moves to my card; bob leaves");
    await settle();
    expect(outlined()).toEqual([mine]);
    expect(document.querySelectorAll("[aria-label='People on this board'] li")).toHaveLength(2);
  });

  it("tells the backend which card I selected, once the cursor rests", async () => {
    await start("collab-presence");
    press("j", "j");
    const selected = focusedTask();
    const sent = () =>
      replay
        ?.calls()
        .filter((c) => c.name === "set_selection")
        .map((c) => c.args);
    await until(() =>
      (sent() ?? []).some(
        (args) => JSON.stringify(args) === JSON.stringify({ boardId: boardId(), taskId: selected }),
      ),
    );
  });
});

describe("notices", () => {
  it("names the field and the person whose change won; Esc dismisses it", async () => {
    await start("collab-conflict");
    replay?.push("alice's title won");
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
    await start("collab-removed");
    const removal = replay?.push("the owner removes me");
    if (!removal) throw new Error("no push");
    const message = payload(removal, "board-closed").message;
    expect(message).toBe(
      "You no longer have access to this board. Your copy stays on this computer, read-only.",
    );
    await until(() => board()?.getAttribute("aria-readonly") === "true");
    expect($('[role=note][aria-label="Notice"]')?.textContent).toContain(message);
    expect(app.store()?.id).toBe(boardId());
    // Its copy is listed with the shared boards, saying why it no longer syncs.
    const item = $(`[aria-labelledby=shared-boards] .board-sync[data-board-id="${boardId()}"]`);
    expect(item?.textContent).toMatch(/^Read-only · Access removed/);
    const before = places();
    press("L");
    await settle();
    expect(places()).toEqual(before);
  });
});

describe("closing the window", () => {
  it("asks first when changes have not reached the server; Cancel stays, Close anyway closes", async () => {
    await start("collab-close-unsynced");
    replay?.push("offline");
    press("L");
    await settle();
    replay?.push("the close button");
    await settle();
    const dialog = () => $('[role=alertdialog][aria-label="Unsynced changes"]');
    expect(dialog()?.textContent).toContain("1 change has not reached the server yet.");
    const button = (name: string) =>
      [...(dialog()?.querySelectorAll("button") ?? [])].find((b) => b.textContent === name);
    button("Cancel")?.click();
    await settle();
    expect(dialog()).toBeNull();
    const closed = () => replay?.calls().some((c) => c.name === "confirm_close");
    expect(closed()).toBe(false);
    replay?.push("the close button");
    await settle();
    button("Close anyway")?.click();
    await settle();
    expect(closed()).toBe(true);
  });

  it("says truthfully that a read-only board's unsent changes will never reach the server", async () => {
    await start("collab-close-read-only");
    replay?.push("offline");
    press("L");
    await settle();
    replay?.push("the owner makes me a viewer");
    await settle();
    replay?.push("the close button");
    await settle();
    const text = $('[role=alertdialog][aria-label="Unsynced changes"]')?.textContent ?? "";
    expect(text).toContain("1 change can never reach the server");
    expect(text).not.toContain("will sync");
  });

  it("closes without asking when everything is synced", async () => {
    await start("collab-close-synced");
    expect(replay?.push("the close button").windowCloses).toBe(true);
    await settle();
    expect($("[role=alertdialog]")).toBeNull();
  });
});

describe("sharing", () => {
  it("lists members, changes a role, invites by email, makes an invite link and joins by one", async () => {
    await start("collab-sharing");
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
    const alice = (await listMembers(boardId())).find((m) => m.userId === ALICE.userId);
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
