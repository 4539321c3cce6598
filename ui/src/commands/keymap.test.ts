import { describe, expect, it } from "vitest";
import { createKeymap, isTextEntry, keyToken, type KeyInput } from "./keymap";
import { bindingsOf, COMMANDS, createRegistry, describeKeys, type CommandId } from "./registry";

function key(k: string, more: Partial<KeyInput> = {}): KeyInput {
  return {
    key: k,
    ctrlKey: false,
    metaKey: false,
    altKey: false,
    shiftKey: false,
    target: null,
    ...more,
  };
}

const textarea = { tagName: "TEXTAREA" } as unknown as EventTarget;
const input = { tagName: "INPUT", type: "text" } as unknown as EventTarget;
const checkbox = { tagName: "INPUT", type: "checkbox" } as unknown as EventTarget;
const editable = { tagName: "DIV", isContentEditable: true } as unknown as EventTarget;
const card = { tagName: "DIV", isContentEditable: false } as unknown as EventTarget;

function appKeymap(isMac = false) {
  return createKeymap<CommandId>(bindingsOf(COMMANDS), {
    isMac,
    whileTyping: new Set<CommandId>(["view.back", "view.palette"]),
  });
}

/** Feeds keys and returns the commands they ran, as "id×count". */
function type(keys: (string | KeyInput)[], keymap = appKeymap()): string[] {
  const ran: string[] = [];
  for (const k of keys) {
    const result = keymap.handle(typeof k === "string" ? key(k) : k);
    if (result.kind === "command") ran.push(`${result.command}×${result.count}`);
  }
  return ran;
}

describe("keymap", () => {
  it("maps single keys and arrows to commands", () => {
    expect(type(["j", "k", "h", "l", "ArrowDown", "H", "L", "J", "K", "u"])).toEqual([
      "cursor.down×1",
      "cursor.up×1",
      "cursor.left×1",
      "cursor.right×1",
      "cursor.down×1",
      "task.move_left×1",
      "task.move_right×1",
      "task.move_down×1",
      "task.move_up×1",
      "edit.undo×1",
    ]);
  });

  it("waits for the second key of gg and dd", () => {
    const keymap = appKeymap();
    expect(keymap.handle(key("g")).kind).toBe("pending");
    expect(keymap.pending()).toBe("g");
    expect(keymap.handle(key("g"))).toEqual({ kind: "command", command: "cursor.first", count: 1 });
    expect(type(["d", "d", "G"])).toEqual(["task.archive×1", "cursor.last×1"]);
  });

  it("drops a broken sequence and starts afresh", () => {
    expect(type(["g", "x", "j"])).toEqual(["cursor.down×1"]);
    expect(type(["d", "j", "d", "d"])).toEqual(["task.archive×1"]);
  });

  it("applies a count prefix, including multi-digit counts and counts before sequences", () => {
    expect(type(["5", "j"])).toEqual(["cursor.down×5"]);
    expect(type(["1", "2", "k"])).toEqual(["cursor.up×12"]);
    expect(type(["1", "0", "L"])).toEqual(["task.move_right×10"]);
    expect(type(["3", "d", "d"])).toEqual(["task.archive×3"]);
    // The count is used once, then forgotten.
    expect(type(["5", "j", "j"])).toEqual(["cursor.down×5", "cursor.down×1"]);
  });

  it("does not start a count with 0", () => {
    expect(type(["0", "j"])).toEqual(["cursor.down×1"]);
  });

  it("ignores single-key bindings while focus is in a text field", () => {
    for (const target of [textarea, input, editable]) {
      expect(
        type(
          ["j", "d", "d", "g", "g", "/", "?", ":", "5", "u", "Enter"].map((k) =>
            key(k, { target }),
          ),
        ),
      ).toEqual([]);
      expect(type([key("r", { ctrlKey: true, target })])).toEqual([]);
    }
  });

  it("still handles Escape and the palette while typing", () => {
    expect(
      type([key("Escape", { target: input }), key("k", { ctrlKey: true, target: textarea })]),
    ).toEqual(["view.back×1", "view.palette×1"]);
  });

  it("treats checkboxes and cards as places where keys are commands", () => {
    expect(isTextEntry(checkbox)).toBe(false);
    expect(isTextEntry(card)).toBe(false);
    expect(isTextEntry(null)).toBe(false);
    expect(type([key("j", { target: card })])).toEqual(["cursor.down×1"]);
  });

  it("forgets a pending count when typing starts in a field", () => {
    const keymap = appKeymap();
    type(["5"], keymap);
    type([key("a", { target: input })], keymap);
    expect(type(["j"], keymap)).toEqual(["cursor.down×1"]);
  });

  it("spells modifiers the same on every platform and resolves Mod", () => {
    expect(keyToken(key("r", { ctrlKey: true }))).toBe("Ctrl+r");
    expect(keyToken(key("Z", { ctrlKey: true, shiftKey: true }))).toBe("Ctrl+Shift+z");
    expect(keyToken(key("?", { shiftKey: true }))).toBe("?");
    expect(type([key("r", { ctrlKey: true })])).toEqual(["edit.redo×1"]);
    expect(type([key("k", { metaKey: true })], appKeymap(true))).toEqual(["view.palette×1"]);
    expect(type([key("k", { metaKey: true })], appKeymap(false))).toEqual([]);
    expect(type([key("z", { ctrlKey: true })])).toEqual(["edit.undo×1"]);
    expect(type([key("Z", { ctrlKey: true, shiftKey: true })])).toEqual(["edit.redo×1"]);
    expect(type([":", "?", "/"])).toEqual(["view.palette×1", "view.cheatsheet×1", "view.filter×1"]);
  });
});

describe("command registry", () => {
  it("has unique ids and no key sequence bound twice", () => {
    const ids = COMMANDS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    const keys = bindingsOf(COMMANDS).map((b) => b.keys);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("has no binding that is a prefix of another (which would make it unreachable)", () => {
    const seqs = bindingsOf(COMMANDS).map((b) => b.keys.split(" "));
    for (const a of seqs) {
      for (const b of seqs) {
        if (a !== b && a.length < b.length) {
          expect(
            a.every((k, i) => k === b[i]),
            `${a.join(" ")} prefixes ${b.join(" ")}`,
          ).toBe(false);
        }
      }
    }
  });

  it("runs the handler of a command with its count", () => {
    const calls: string[] = [];
    const handlers = {} as Record<CommandId, (n: number) => void>;
    for (const c of COMMANDS) handlers[c.id] = (n) => calls.push(`${c.id}×${n}`);
    const registry = createRegistry(handlers);
    registry.run("task.move_right", 3);
    registry.run("board.new_task");
    expect(calls).toEqual(["task.move_right×3", "board.new_task×1"]);
  });

  it("describes keys for the cheat sheet", () => {
    expect(describeKeys("g g", false)).toBe("g g");
    expect(describeKeys("Mod+k", false)).toBe("Ctrl k");
    expect(describeKeys("Mod+k", true)).toBe("⌘k");
    expect(describeKeys("ArrowDown", false)).toBe("↓");
  });
});
