// What covers the board (a dialog or a view: palette, cheat sheet, prompt, settings, share,
// archive, search, my tasks, saved views), and when keyboard focus goes back to the board.

import { batch, createSignal } from "solid-js";

export type Overlay =
  | "none"
  | "palette"
  | "cheatsheet"
  | "prompt"
  | "settings"
  | "share"
  | "archive"
  | "templates"
  | "search"
  | "mytasks"
  | "inbox"
  | "views";

/** A text prompt shown in a small dialog (new board, new column, rename, WIP limit). */
export interface PromptRequest {
  title: string;
  label: string;
  initial: string;
  submit: (value: string) => Promise<void>;
}

export function createDialogs() {
  const [overlay, setOverlay] = createSignal<Overlay>("none");
  const [prompt, setPrompt] = createSignal<PromptRequest | null>(null);
  /** Bumped when focus should return to the board (after a dialog closes, say). */
  const [focusTick, setFocusTick] = createSignal(0);

  function refocus() {
    setFocusTick((n) => n + 1);
  }

  function ask(request: PromptRequest) {
    setPrompt(request);
    setOverlay("prompt");
  }

  function closeOverlay() {
    batch(() => {
      setOverlay("none");
      setPrompt(null);
      refocus();
    });
  }

  /** Shows `which`, or closes it when it is the one shown (the palette's key closes it). */
  function toggle(which: Overlay) {
    setOverlay(overlay() === which ? "none" : which);
  }

  return { overlay, setOverlay, toggle, prompt, ask, closeOverlay, focusTick, refocus };
}
