// The toast: one short line at the bottom of the window saying what an action did (or why it
// failed), gone after a few seconds. `undo` marks the ones that `u` takes back.

import { createSignal } from "solid-js";
import * as ipc from "../ipc";

export interface Toast {
  text: string;
  undo: boolean;
}

/** How long a toast stays; a newer one starts the wait again. */
export const TOAST_MS = 5000;

export function createToasts() {
  const [toast, setToast] = createSignal<Toast | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;

  function notify(text: string, undo = false) {
    setToast({ text, undo });
    clearTimeout(timer);
    timer = setTimeout(() => setToast(null), TOAST_MS);
  }

  /** Runs an async action, showing its failure instead of dropping it. */
  function spawn(action: () => Promise<unknown>) {
    action().catch((error: unknown) => notify(ipc.errorMessage(error)));
  }

  return {
    toast,
    notify,
    spawn,
    dismiss: () => setToast(null),
  };
}
