// @vitest-environment happy-dom
// Files dropped on the window go to the open task, else to the card under the pointer.

import { afterEach, describe, expect, it } from "vitest";
import { app } from "./app";
import { dropTarget } from "./drop";

/** A document whose point `(x, y)` is `under`. */
function pointingAt(under: Element | null): Document {
  return { elementFromPoint: () => under } as unknown as Document;
}

afterEach(() => {
  app.setDetailTaskId(null);
  document.body.innerHTML = "";
});

describe("dropped files", () => {
  it("go to the card under the pointer, or nowhere", () => {
    const card = document.createElement("div");
    card.dataset.taskId = "t1";
    const title = document.createElement("span");
    card.append(title);
    document.body.append(card);
    const at = { count: 2, x: 10, y: 20 };
    expect(dropTarget(at, pointingAt(title))).toBe("t1");
    expect(dropTarget(at, pointingAt(document.body))).toBeNull();
    expect(dropTarget(at, pointingAt(null))).toBeNull();
  });

  it("go to the open task wherever they land", () => {
    app.setDetailTaskId("t9");
    expect(dropTarget({ count: 1, x: 0, y: 0 }, pointingAt(null))).toBe("t9");
  });
});
