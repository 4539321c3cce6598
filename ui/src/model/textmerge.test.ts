import { describe, expect, it } from "vitest";
import { merge3, splice } from "./textmerge";

describe("splice", () => {
  it("keeps the common prefix and suffix", () => {
    expect(splice("hello world", "hello brave world")).toEqual({
      at: 6,
      remove: 0,
      insert: "brave ",
    });
    expect(splice("abc", "abc")).toEqual({ at: 3, remove: 0, insert: "" });
    expect(splice("abc", "")).toEqual({ at: 0, remove: 3, insert: "" });
  });

  it("never splits a surrogate pair", () => {
    // 😀 and 😁 share their high surrogate.
    const s = splice("a😀b", "a😁b");
    expect(s).toEqual({ at: 1, remove: 2, insert: "😁" });
  });
});

describe("merge3", () => {
  const base = "Goals: ship it\nOwner: Ana";

  it("keeps my typing when the change that arrives is my own save", () => {
    const mine = `${base} and Bob`;
    expect(merge3(base, mine, base).text).toBe(mine);
    const saved = `${base} and`;
    expect(merge3(saved, mine, saved).text).toBe(mine);
  });

  it("takes theirs when I typed nothing, moving my caret with it", () => {
    const theirs = `Now. ${base}`;
    const merged = merge3(base, base, theirs);
    expect(merged.text).toBe(theirs);
    expect(merged.map(6)).toBe(11);
  });

  it("keeps both edits when they touch different parts", () => {
    const mine = base.replace("Ana", "Ana and Bob");
    const theirs = base.replace("ship it", "ship it by Friday");
    const merged = merge3(base, mine, theirs);
    expect(merged.text).toBe("Goals: ship it by Friday\nOwner: Ana and Bob");
    // My caret at the end of my text stays at the end.
    expect(merged.map(mine.length)).toBe(merged.text.length);

    // Theirs after mine.
    const mine2 = base.replace("Goals", "Our goals");
    const theirs2 = base.replace("Ana", "Ana (PM)");
    expect(merge3(base, mine2, theirs2).text).toBe("Our goals: ship it\nOwner: Ana (PM)");
  });

  it("keeps mine where both changed the same words", () => {
    const mine = base.replace("ship it", "launch");
    const theirs = base.replace("ship it", "release");
    expect(merge3(base, mine, theirs).text).toBe(mine);
  });
});
