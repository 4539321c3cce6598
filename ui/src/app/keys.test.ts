// Keys to commands around dialogs: what a key may do while something covers the board, the
// unsynced-changes question taking every key but Esc, and Enter left to a focused button.

import { createRoot, createSignal } from "solid-js";
import { describe, expect, it } from "vitest";
import type { CommandId } from "../commands/registry";
import type { Overlay } from "./dialogs";
import { allowedOver, createKeys, type KeyEvent } from "./keys";

function keys() {
  const [overlay, setOverlay] = createSignal<Overlay>("none");
  const [closeAsked, setCloseAsked] = createSignal(false);
  const ran: string[] = [];
  const made = createRoot(() =>
    createKeys({
      overlay,
      closeAsked,
      back: () => ran.push("back"),
      run: (id: CommandId, count: number) => ran.push(count === 1 ? id : `${count} ${id}`),
      isMac: false,
    }),
  );
  /** Presses keys; returns which of them the app took (preventDefault). */
  function press(typed: string, target: EventTarget | null = null): boolean[] {
    return typed.split(" ").map((key) => {
      let taken = false;
      const event: KeyEvent = {
        key,
        ctrlKey: false,
        metaKey: false,
        altKey: false,
        shiftKey: false,
        target,
        defaultPrevented: false,
        preventDefault: () => {
          taken = true;
        },
      };
      made.onKeyDown(event);
      return taken;
    });
  }
  return { ...made, press, ran, setOverlay, setCloseAsked };
}

describe("allowedOver", () => {
  it("lets only back, the palette and the cheat sheet through a view, and only back through a form", () => {
    expect(allowedOver("none", "task.delete")).toBe(true);
    expect(allowedOver("archive", "task.delete")).toBe(false);
    expect(allowedOver("palette", "view.cheatsheet")).toBe(true);
    expect(allowedOver("cheatsheet", "view.palette")).toBe(true);
    for (const form of ["prompt", "settings", "share"] as const) {
      expect(allowedOver(form, "view.back")).toBe(true);
      expect(allowedOver(form, "view.palette")).toBe(false);
      expect(allowedOver(form, "cursor.down")).toBe(false);
    }
  });
});

describe("onKeyDown", () => {
  it("runs commands with counts and shows the keys of an unfinished sequence", () => {
    const k = keys();
    expect(k.press("3 j")).toEqual([true, true]);
    expect(k.press("g")).toEqual([true]);
    expect(k.pendingKeys()).toBe("g");
    k.press("g");
    expect(k.pendingKeys()).toBe("");
    expect(k.ran).toEqual(["3 cursor.down", "cursor.first"]);
  });

  it("over a dialog, only what the dialog allows runs, and other keys are left alone", () => {
    const k = keys();
    k.setOverlay("prompt");
    expect(k.press("j ?")).toEqual([false, false]);
    expect(k.press("Escape")).toEqual([true]);
    expect(k.ran).toEqual(["view.back"]);
  });

  it("while the unsynced-changes question is open, Esc answers it and nothing else runs", () => {
    const k = keys();
    k.setCloseAsked(true);
    expect(k.press("j d d Escape")).toEqual([false, false, false, true]);
    expect(k.ran).toEqual(["back"]);
  });

  it("leaves Enter and Space to a focused button", () => {
    const k = keys();
    const button = { closest: (selector: string) => (selector.includes("button") ? {} : null) };
    const target = button as unknown as EventTarget;
    expect(k.press("Enter", target)).toEqual([false]);
    expect(k.ran).toEqual([]);
    expect(k.press("Enter")).toEqual([true]);
    expect(k.ran).toEqual(["task.edit"]);
  });
});
