// @vitest-environment happy-dom
// A card's title with the filter's words marked: a keystroke that marks the same words leaves
// the title's DOM as it is (nothing for WebKit to repaint), one that marks others changes it.

import { createSignal } from "solid-js";
import { render } from "solid-js/web";
import { afterEach, describe, expect, it } from "vitest";
import { Marked } from "./Marked";

let dispose: (() => void) | undefined;
afterEach(() => {
  dispose?.();
  document.body.innerHTML = "";
});

function mount(text: string) {
  const [words, setWords] = createSignal<readonly string[]>([]);
  const root = document.createElement("div");
  document.body.append(root);
  dispose = render(() => <Marked text={text} words={words()} />, root);
  /** The title as shown, marked words in brackets. */
  const shown = () =>
    [...root.childNodes]
      .map((n) => (n.nodeName === "MARK" ? `[${n.textContent ?? ""}]` : (n.textContent ?? "")))
      .join("");
  return { root, setWords, shown };
}

describe("Marked", () => {
  it("keeps the marked title's nodes while typing on into the same words", () => {
    const { root, setWords, shown } = mount("Task 12: plan the venue");
    const nodes = () => [...root.childNodes];
    const same = (a: ChildNode[], b: ChildNode[]) =>
      a.length === b.length && a.every((node, i) => node === b[i]);
    setWords(["ta"]);
    expect(shown()).toBe("[Task] 12: plan the venue");
    const typed = nodes();
    setWords(["tas"]);
    setWords(["task"]);
    expect(shown()).toBe("[Task] 12: plan the venue");
    expect(same(nodes(), typed)).toBe(true);
    // A word that marks more changes the title.
    setWords(["task", "1"]);
    expect(shown()).toBe("[Task] [12]: plan the venue");
    const more = nodes();
    expect(same(more, typed)).toBe(false);
    setWords(["task", "12"]);
    expect(same(nodes(), more)).toBe(true);
    setWords(["t"]);
    expect(shown()).toBe("[Task] 12: plan [the] venue");
  });

  it("shows the title as text when no word marks it, and again when the words are cleared", () => {
    const { root, setWords, shown } = mount("Plan the venue");
    setWords(["x"]);
    expect(root.querySelector("mark")).toBeNull();
    expect(shown()).toBe("Plan the venue");
    setWords(["ven"]);
    expect(shown()).toBe("Plan the [venue]");
    setWords([]);
    expect(root.querySelector("mark")).toBeNull();
    expect(shown()).toBe("Plan the venue");
  });
});
