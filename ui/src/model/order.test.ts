import { describe, expect, it } from "vitest";
import { compareBytes, compareRanked, insertionIndex } from "./order";

describe("ordering", () => {
  it("sorts ranks as bytes, not by locale or case-insensitively", () => {
    const ranks = ["a1", "Zz", "a0V", "a0", "b00", "A", "a"];
    expect([...ranks].sort(compareBytes)).toEqual(["A", "Zz", "a", "a0", "a0V", "a1", "b00"]);
  });

  it("breaks rank ties by id", () => {
    const tasks = [
      { id: "t3", rank: "a1" },
      { id: "t1", rank: "a1" },
      { id: "t2", rank: "a0" },
    ];
    expect([...tasks].sort(compareRanked).map((t) => t.id)).toEqual(["t2", "t1", "t3"]);
  });

  it("orders characters beyond the BMP after private-use ones, as UTF-8 bytes do", () => {
    // U+1F600 is F0 9F 98 80 in UTF-8, U+E000 is EE 80 80: bytes put the emoji last, while
    // UTF-16 code units (D83D vs E000) would put it first.
    expect(compareBytes("\u{1F600}", "\uE000")).toBe(1);
    expect(compareBytes("\uE000", "\u{1F600}")).toBe(-1);
    expect(compareBytes("ab", "ab")).toBe(0);
    expect(compareBytes("ab", "abc")).toBe(-1);
  });

  it("finds the insertion point after equal elements", () => {
    const sorted = [1, 3, 3, 7];
    const byValue = (a: number, b: number) => a - b;
    expect(insertionIndex(sorted, 0, byValue)).toBe(0);
    expect(insertionIndex(sorted, 3, byValue)).toBe(3);
    expect(insertionIndex(sorted, 9, byValue)).toBe(4);
  });
});
