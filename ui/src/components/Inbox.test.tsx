// @vitest-environment happy-dom
// The inbox in the rendered app: a teammate assigns me a task on the open board and one on
// another board; the sidebar counts them unread; `g i` opens the inbox, j/k choose, Enter opens
// the task on its board (cursor on it, details open) and marks it read, `u` marks it unread
// again, Shift+A marks all read. Answered from a session recorded from the real shell
// (src-tauri/tests/scenarios/inbox.json): the inbox entries are what the shell derived from
// the teammate's updates.

import { render } from "solid-js/web";
import { afterEach, describe, expect, it } from "vitest";
import { app } from "../app/app";
import { useBackend } from "../ipc";
import { settle } from "../test/fixtures";
import { createReplayBackend, type ReplayBackend } from "../test/replay";
import { App } from "./App";

let replay: ReplayBackend | undefined;
let dispose: (() => void) | undefined;

afterEach(() => {
  expect(replay?.unexpected()).toEqual([]);
  app.closeOverlay();
  dispose?.();
  dispose = undefined;
  document.body.innerHTML = "";
});

const $ = (selector: string) => document.querySelector<HTMLElement>(selector);

/** Keys as typed on the focused element (the board's keys reach the window's handler). */
function press(target: Element, ...keys: string[]) {
  for (const key of keys) {
    const shiftKey = key.length === 1 && key !== key.toLowerCase();
    target.dispatchEvent(
      new KeyboardEvent("keydown", { key, shiftKey, bubbles: true, cancelable: true }),
    );
  }
}

/** The inbox rows as shown: `*` on the chosen one, `●` before unread ones. */
function rows(): string[] {
  return [...document.querySelectorAll("#inbox-list [role=option]")].map(
    (li) =>
      `${li.getAttribute("aria-selected") === "true" ? "*" : ""}${
        li.querySelector(".archive-title")?.textContent ?? ""
      }`,
  );
}

const sidebarInbox = () => $("nav .inbox-link")?.getAttribute("aria-label");
const focusedTitle = () => app.store()?.task(app.focus().taskId ?? "")?.().title;

async function openInbox(): Promise<HTMLElement> {
  press(document.body, "g", "i");
  await settle();
  const list = $("#inbox-list");
  if (!list) throw new Error("no inbox list");
  return list;
}

describe("the inbox", () => {
  it("counts what a teammate assigned me, opens each on its board with Enter, and keeps read state", async () => {
    replay = createReplayBackend("inbox", { anyTime: ["set_selection"] });
    useBackend(replay);
    const root = document.createElement("div");
    document.body.append(root);
    dispose = render(() => <App />, root);
    for (let i = 0; i < 100 && app.store() === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await settle();
    expect(sidebarInbox()).toBe("Inbox, 0 unread");

    replay.push("a teammate assigns me Keyboard cheat sheet");
    await settle();
    expect(sidebarInbox()).toBe("Inbox, 1 unread");
    replay.push("a teammate assigns me Renew the domain on Ops");
    await settle();
    expect(sidebarInbox()).toBe("Inbox, 2 unread");
    expect($("nav .unread-count")?.textContent).toBe("2");

    // g i: newest first, the first chosen, both unread.
    let list = await openInbox();
    expect(app.overlay()).toBe("inbox");
    expect(document.activeElement).toBe(list);
    expect(rows()).toEqual([
      "*● “Renew the domain” was assigned to you",
      "● “Keyboard cheat sheet” was assigned to you",
    ]);

    // j then Enter: the task on the open board, cursor on it, details open, read.
    press(list, "j");
    expect(rows()[1]?.startsWith("*")).toBe(true);
    press(list, "Enter");
    await settle();
    expect(app.overlay()).toBe("none");
    expect(app.store()?.title()).toBe("Product launch");
    expect(focusedTitle()).toBe("Keyboard cheat sheet");
    expect(app.detailTaskId()).toBe(app.focus().taskId);
    expect(sidebarInbox()).toBe("Inbox, 1 unread");

    // Again: the read one has no dot; Enter on the other opens Ops on it.
    list = await openInbox();
    expect(rows()).toEqual([
      "*● “Renew the domain” was assigned to you",
      "“Keyboard cheat sheet” was assigned to you",
    ]);
    press(list, "Enter");
    await settle();
    expect(app.store()?.title()).toBe("Ops");
    expect(focusedTitle()).toBe("Renew the domain");
    expect(sidebarInbox()).toBe("Inbox, 0 unread");

    // u marks it unread again; Shift+A marks everything read.
    list = await openInbox();
    press(list, "u");
    await settle();
    expect(rows()[0]).toBe("*● “Renew the domain” was assigned to you");
    expect(sidebarInbox()).toBe("Inbox, 1 unread");
    press(list, "A");
    await settle();
    expect(rows().some((row) => row.includes("●"))).toBe(false);
    expect(sidebarInbox()).toBe("Inbox, 0 unread");
    press(list, "Escape");
    expect(app.overlay()).toBe("none");
  });
});
