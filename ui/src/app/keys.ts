// Keystrokes to commands: the keymap (sequences, counts, never while typing), what a key may do
// while a dialog is open, and the keys typed so far of a sequence (shown in the status bar).

import { createSignal, type Accessor } from "solid-js";
import { createKeymap, type KeyInput } from "../commands/keymap";
import { bindingsOf, COMMANDS, type CommandId } from "../commands/registry";
import type { Overlay } from "./dialogs";

export const isMac = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform);

/** A focused control that owns Enter and Space itself. */
function isControl(target: EventTarget | null): boolean {
  const element = target as { closest?: unknown } | null;
  if (element === null || typeof element.closest !== "function") return false;
  return (
    (target as Element).closest("button, a[href], [role=button], input, select, summary") !== null
  );
}

/** Commands still reachable while a modal dialog is open. */
const MODAL_COMMANDS = new Set<CommandId>([
  "view.back",
  "view.palette",
  "view.cheatsheet",
  "view.search",
  "view.my_tasks",
]);

/** Whether a command may run while `overlay` covers the board. */
export function allowedOver(overlay: Overlay, command: CommandId): boolean {
  if (overlay !== "none" && !MODAL_COMMANDS.has(command)) return false;
  // A dialog with fields of its own: only Esc leaves it.
  if (
    (overlay === "prompt" || overlay === "settings" || overlay === "share") &&
    command !== "view.back"
  )
    return false;
  return true;
}

export type KeyEvent = KeyInput & { preventDefault(): void; defaultPrevented: boolean };

export interface KeysDeps {
  overlay: Accessor<Overlay>;
  /** The unsynced-changes question is open: it is modal, only Esc (back) reaches the app. */
  closeAsked: () => boolean;
  back: () => void;
  run: (id: CommandId, count: number) => void;
  isMac: boolean;
}

export function createKeys(deps: KeysDeps) {
  const [pendingKeys, setPendingKeys] = createSignal("");
  const keymap = createKeymap<CommandId>(bindingsOf(COMMANDS), {
    isMac: deps.isMac,
    whileTyping: new Set<CommandId>(["view.back", "view.palette", "view.search"]),
  });

  function onKeyDown(event: KeyEvent) {
    if (event.defaultPrevented) return;
    // The unsynced-changes question is modal: its own buttons answer it, Escape cancels.
    if (deps.closeAsked()) {
      if (event.key === "Escape") {
        event.preventDefault();
        deps.back();
      }
      return;
    }
    // Enter and Space belong to a focused button, link or checkbox (the detail panel's, say).
    if ((event.key === "Enter" || event.key === " ") && isControl(event.target)) return;
    const result = keymap.handle(event);
    setPendingKeys(keymap.pending());
    if (result.kind === "pending") {
      event.preventDefault();
      return;
    }
    if (result.kind !== "command") return;
    if (!allowedOver(deps.overlay(), result.command)) return;
    event.preventDefault();
    performance.mark("tack:key", { detail: result.command });
    deps.run(result.command, result.count);
  }

  return { pendingKeys, onKeyDown };
}
