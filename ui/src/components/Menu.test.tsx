// @vitest-environment happy-dom
// The menu bar (macOS; `TACK_MENU_BAR=1` elsewhere): the shell sends the chosen item's command
// as `menu-command`, and the window runs it as its key or the palette would, refusal included
// where I can only view the board. And the start: once the first board is painted, the window
// tells the shell (`first_painted`, once), which then registers the quick add shortcut.
// Answered from sessions recorded from the real shell (src-tauri/tests/scenarios/).

import { render } from "solid-js/web";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { app } from "../app/app";
import { MENU_COMMANDS, useBackend } from "../ipc";
import type { MenuCommand } from "../ipc";
import { COMMANDS } from "../commands/registry";
import { App } from "./App";
import { settle } from "../test/fixtures";
import { createReplayBackend, type ReplayBackend, type WithEvent, withEvent } from "../test/replay";

let replay: ReplayBackend | undefined;
let dispose: (() => void) | undefined;
/** The shell's side of the menu bar: sends `menu-command`, counts the window's listeners. */
let menu: WithEvent<"menu-command"> | undefined;
let firstPainted = 0;

/** Waits (boundedly) for something the app does after a short timer. */
async function until(condition: () => boolean) {
  for (let i = 0; i < 100 && !condition(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(condition()).toBe(true);
}

async function start(scenario: string) {
  const recorded = createReplayBackend(scenario, { anyTime: ["set_selection"] });
  replay = recorded;
  menu = withEvent(recorded, "menu-command", (name) => {
    if (name === "first_painted") firstPainted += 1;
  });
  useBackend(menu.backend);
  const root = document.createElement("div");
  document.body.append(root);
  dispose = render(() => <App />, root);
  await until(() => app.store() !== undefined && app.collab.status() !== null);
  await settle();
}

/** The shell's side of choosing a menu item. */
function choose(command: MenuCommand) {
  menu?.emit({ command });
}

const $ = (selector: string) => document.querySelector<HTMLElement>(selector);

beforeEach(() => {
  replay = undefined;
  document.body.innerHTML = "";
  menu = undefined;
  firstPainted = 0;
});

afterEach(() => {
  expect(replay?.unexpected() ?? []).toEqual([]);
  app.closeOverlay();
  dispose?.();
  dispose = undefined;
});

describe("the menu bar", () => {
  it("names only the window's commands", () => {
    const known = new Set<string>(COMMANDS.map((c) => c.id));
    for (const id of MENU_COMMANDS) expect(known.has(id)).toBe(true);
    expect(MENU_COMMANDS).toContain("view.filter");
  });

  it("runs the chosen item's command: the shortcuts, then the filter", async () => {
    await start("app-start");
    expect(menu?.listeners()).toBe(1);
    choose("view.cheatsheet");
    await settle();
    expect($('[role=dialog][aria-label="Keyboard shortcuts"]')).not.toBeNull();
    app.closeOverlay();
    await settle();
    choose("view.filter");
    await settle();
    expect(document.activeElement?.getAttribute("aria-label")).toBe("Filter tasks");
  });

  it("explains, and sends nothing, when the item would edit a board I can only view", async () => {
    await start("collab-viewer-start");
    const before = replay?.calls().length;
    choose("task.archive");
    await settle();
    expect($(".toast-region")?.textContent).toContain("You can view this board but not edit it.");
    expect(replay?.calls().length).toBe(before);
  });
});

describe("the start", () => {
  it("tells the shell once, after the first board is painted", async () => {
    await start("app-start");
    await until(() => firstPainted > 0);
    await settle();
    expect(firstPainted).toBe(1);
    expect(performance.getEntriesByName("tack:start-done").length).toBeGreaterThan(0);
  });
});
