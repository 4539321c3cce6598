import { describe, expect, it } from "vitest";
import { agoText, inboxAction, inboxSelection } from "./inbox";

describe("inbox keys", () => {
  it("j/k move, Enter opens, u toggles read, Shift+a marks all read", () => {
    expect(inboxAction("j", false)).toBe("down");
    expect(inboxAction("k", false)).toBe("up");
    expect(inboxAction("Enter", false)).toBe("open");
    expect(inboxAction("u", false)).toBe("toggleRead");
    expect(inboxAction("A", false)).toBe("allRead");
    expect(inboxAction("G", false)).toBe("last");
    expect(inboxAction("j", true)).toBeUndefined();
    expect(inboxAction("x", false)).toBeUndefined();
  });

  it("the selection stays within the rows", () => {
    expect(inboxSelection(0, "up", 3)).toBe(0);
    expect(inboxSelection(0, "down", 3)).toBe(1);
    expect(inboxSelection(2, "down", 3)).toBe(2);
    expect(inboxSelection(1, "last", 3)).toBe(2);
    expect(inboxSelection(2, "first", 3)).toBe(0);
    expect(inboxSelection(5, "open", 3)).toBe(2);
    expect(inboxSelection(0, "down", 0)).toBe(0);
  });

  it("times read as people say them", () => {
    const now = Date.UTC(2026, 11, 5, 12);
    expect(agoText(now - 10_000, now)).toBe("just now");
    expect(agoText(now - 5 * 60_000, now)).toBe("5 min ago");
    expect(agoText(now - 3 * 3_600_000, now)).toBe("3 h ago");
    expect(agoText(now - 30 * 3_600_000, now)).toBe("yesterday");
    expect(agoText(Date.UTC(2026, 10, 1), now)).toBe("2026-11-01");
  });
});
