// Turns keystrokes into commands: multi-key sequences ("g g", "d d"), a numeric count prefix
// ("5 j"), and the rule that single-key bindings never fire while typing in a text field.

/** The parts of a KeyboardEvent the keymap reads (so tests need no DOM). */
export interface KeyInput {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  target: EventTarget | null;
}

export interface Binding<Id extends string> {
  /** Space-separated keys, e.g. "g g", "Shift+ArrowDown", "Mod+k", "?". */
  keys: string;
  command: Id;
}

export type KeyResult<Id extends string> =
  { kind: "command"; command: Id; count: number } | { kind: "pending" } | { kind: "none" };

/**
 * The key as written in bindings. Printable characters stand for themselves (Shift is already
 * in them: "H", "?"), so only modifiers on named keys are spelled out.
 */
export function keyToken(event: KeyInput): string {
  const mods: string[] = [];
  if (event.ctrlKey) mods.push("Ctrl");
  if (event.metaKey) mods.push("Meta");
  if (event.altKey) mods.push("Alt");
  const printable = event.key.length === 1;
  // Shift is part of a bare printable character ("H", "?") but spelled out once a
  // modifier is held ("Ctrl+Shift+z"), where the browser's key case is unreliable.
  if (event.shiftKey && (!printable || mods.length > 0)) mods.push("Shift");
  const key = printable && mods.length > 0 ? event.key.toLowerCase() : event.key;
  return [...mods, key].join("+");
}

/** "Mod" in a binding is Cmd on macOS and Ctrl elsewhere. */
export function resolveMod(keys: string, isMac: boolean): string {
  return keys
    .split(" ")
    .map((k) => k.replace(/^Mod\+/, isMac ? "Meta+" : "Ctrl+"))
    .join(" ");
}

interface EditableLike {
  tagName?: unknown;
  isContentEditable?: unknown;
  type?: unknown;
}

const NON_TEXT_INPUTS = new Set([
  "checkbox",
  "radio",
  "button",
  "submit",
  "reset",
  "range",
  "color",
]);

/** True when keystrokes on `target` are text being typed. */
export function isTextEntry(target: EventTarget | null): boolean {
  if (target === null || typeof target !== "object") return false;
  const element = target as EditableLike;
  if (element.isContentEditable === true) return true;
  const tag = typeof element.tagName === "string" ? element.tagName.toUpperCase() : "";
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag === "INPUT") {
    const type = typeof element.type === "string" ? element.type.toLowerCase() : "text";
    return !NON_TEXT_INPUTS.has(type);
  }
  return false;
}

export interface Keymap<Id extends string> {
  handle(event: KeyInput): KeyResult<Id>;
  /** Keys typed so far in an unfinished sequence, for display ("5 g"). */
  pending(): string;
  reset(): void;
}

export function createKeymap<Id extends string>(
  bindings: readonly Binding<Id>[],
  options: {
    isMac: boolean;
    /** Commands whose bindings also act while typing in a text field (Escape, the palette). */
    whileTyping: ReadonlySet<Id>;
  },
): Keymap<Id> {
  const table = bindings.map((b) => ({
    seq: resolveMod(b.keys, options.isMac).split(" "),
    command: b.command,
  }));
  let count = "";
  let seq: string[] = [];

  function reset() {
    count = "";
    seq = [];
  }

  function handle(event: KeyInput): KeyResult<Id> {
    if (["Shift", "Control", "Alt", "Meta", "CapsLock"].includes(event.key)) {
      return count || seq.length ? { kind: "pending" } : { kind: "none" };
    }
    const token = keyToken(event);
    if (isTextEntry(event.target)) {
      reset();
      // Only chords and Escape: a printable key (":" opens the palette) is text here.
      const chord = token === "Escape" || /^(Ctrl|Meta|Alt)\+/.test(token);
      const typingBinding = table.find(
        (b) =>
          chord && b.seq.length === 1 && b.seq[0] === token && options.whileTyping.has(b.command),
      );
      return typingBinding
        ? { kind: "command", command: typingBinding.command, count: 1 }
        : { kind: "none" };
    }
    // A count is digits before the first key of a sequence; "0" cannot start one.
    if (seq.length === 0 && /^[0-9]$/.test(token) && (count !== "" || token !== "0")) {
      count += token;
      return { kind: "pending" };
    }
    const typed = [...seq, token];
    const exact = table.find(
      (b) => b.seq.length === typed.length && b.seq.every((k, i) => k === typed[i]),
    );
    if (exact) {
      const n = count === "" ? 1 : Math.min(Number(count), 9999);
      reset();
      return { kind: "command", command: exact.command, count: n };
    }
    const prefix = table.some(
      (b) => b.seq.length > typed.length && typed.every((k, i) => k === b.seq[i]),
    );
    if (prefix) {
      seq = typed;
      return { kind: "pending" };
    }
    reset();
    return { kind: "none" };
  }

  return {
    handle,
    pending: () => [count, ...seq].filter((s) => s !== "").join(" "),
    reset,
  };
}
