// @vitest-environment happy-dom
// A `tack://join` link in the rendered app: the shell sends the link's invite as `join-link`
// (a link that started the app waits until the window's `get_account`, which the UI calls after
// subscribing); the "Join a board" prompt opens with it filled in, and only confirming joins.
// Answered from a session recorded from the real shell (src-tauri/tests/scenarios/
// collab-join-link.json).

import { render } from "solid-js/web";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { app } from "../app/app";
import { useBackend } from "../ipc";
import type { JoinLinkEvent } from "../ipc";
import { App } from "./App";
import { settle } from "../test/fixtures";
import { createReplayBackend, type ReplayBackend, withEvent } from "../test/replay";

const INVITE = "https://tack.example.com/invite/inv-7f3a";

let replay: ReplayBackend | undefined;
let dispose: (() => void) | undefined;
/** Sends a `join-link` to the window, as the shell does for a link opened from the system. */
let sendLink: ((event: JoinLinkEvent) => void) | undefined;

/** Waits (boundedly) for something the app does after a short timer. */
async function until(condition: () => boolean) {
  for (let i = 0; i < 100 && !condition(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(condition()).toBe(true);
}

/**
 * The recorded session, with the shell's side of a link: `linkAtStart` is sent when the window
 * calls `get_account`, as `JoinLinks` does for a link that started the app.
 */
async function start(linkAtStart: string | null) {
  const recorded = createReplayBackend("collab-join-link", { anyTime: ["set_selection"] });
  replay = recorded;
  const links = withEvent(recorded, "join-link", (name) => {
    if (name === "get_account" && linkAtStart !== null) {
      const invite = linkAtStart;
      setTimeout(() => links.emit({ invite }), 0);
    }
  });
  sendLink = links.emit;
  useBackend(links.backend);
  const root = document.createElement("div");
  document.body.append(root);
  dispose = render(() => <App />, root);
  await until(() => app.store() !== undefined && app.collab.status() !== null);
  await settle();
}

const prompt = () =>
  document.querySelector<HTMLInputElement>('[role=dialog] input[aria-label="Invite link or code"]');

beforeEach(() => {
  document.body.innerHTML = "";
  sendLink = undefined;
});

afterEach(() => {
  expect(replay?.unexpected()).toEqual([]);
  app.closeOverlay();
  dispose?.();
  dispose = undefined;
});

describe("tack://join links", () => {
  it("a link that started the app asks to join once the app is up, and confirming joins", async () => {
    await start(INVITE);
    await until(() => prompt() !== null);
    const field = prompt();
    expect(field?.value).toBe(INVITE);
    expect(replay?.calls().some((c) => c.name === "accept_invite")).toBe(false);
    field?.form?.requestSubmit();
    await until(() => app.store()?.title() === "Shared board");
    expect(app.boards().find((b) => b.id === app.store()?.id)?.role).toBe("editor");
  });

  it("a link while the app runs asks too, and Escape joins nothing", async () => {
    await start(null);
    expect(prompt()).toBeNull();
    sendLink?.({ invite: INVITE });
    await until(() => prompt() !== null);
    expect(prompt()?.value).toBe(INVITE);
    document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    await settle();
    expect(prompt()).toBeNull();
    expect(replay?.calls().some((c) => c.name === "accept_invite")).toBe(false);
  });
});
