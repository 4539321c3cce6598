// @vitest-environment happy-dom
// The sidebar from the keyboard: one tab stop (the open board), Up and Down between boards,
// and the board's own keys silent meanwhile. Answered from a session recorded from the real
// shell (src-tauri/tests/scenarios/import-export.json: a second board comes from an import).

import { render } from "solid-js/web";
import { afterEach, describe, expect, it } from "vitest";
import { app } from "../app/app";
import { useBackend } from "../ipc";
import { createReplayBackend, type ReplayBackend } from "../test/replay";
import { settle } from "../test/fixtures";
import { App } from "./App";

let replay: ReplayBackend;
let dispose: (() => void) | undefined;

afterEach(() => {
  expect(replay.unexpected()).toEqual([]);
  dispose?.();
  dispose = undefined;
  document.body.innerHTML = "";
});

const links = () => [...document.querySelectorAll<HTMLButtonElement>("nav button.board-link")];

describe("the sidebar", () => {
  it("is one tab stop, the open board, and Up and Down move between boards", async () => {
    replay = createReplayBackend("import-export", { anyTime: ["set_selection"] });
    useBackend(replay);
    const root = document.createElement("div");
    document.body.append(root);
    dispose = render(() => <App />, root);
    for (let i = 0; i < 100 && app.store() === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    app.run("board.import_trello");
    await settle();
    await settle();
    expect(links().map((b) => b.textContent)).toHaveLength(2);
    const open = links().find((b) => b.getAttribute("aria-current") === "page");
    const other = links().find((b) => b !== open);
    if (!open || !other) throw new Error("two boards, one open");
    expect(open.textContent).toBe("Lancement – été 🚀");
    expect(open.tabIndex).toBe(0);
    expect(other.tabIndex).toBe(-1);

    open.focus();
    const key = open === links()[0] ? "ArrowDown" : "ArrowUp";
    const focused = app.focus();
    open.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
    expect(document.activeElement).toBe(other);
    // The board's cursor did not move meanwhile.
    expect(app.focus()).toEqual(focused);
  });
});
