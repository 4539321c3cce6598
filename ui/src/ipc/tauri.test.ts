import { afterEach, describe, expect, it } from "vitest";
import { overflowScrolling } from "./tauri";

describe("overflowScrolling", () => {
  afterEach(() => {
    Reflect.deleteProperty(globalThis, "__TACK_WEBKIT__");
  });

  it("is what the shell told the page", () => {
    Reflect.set(globalThis, "__TACK_WEBKIT__", { overflowScrolling: "main-thread" });
    expect(overflowScrolling()).toBe("main-thread");
    Reflect.set(globalThis, "__TACK_WEBKIT__", { overflowScrolling: "composited" });
    expect(overflowScrolling()).toBe("composited");
  });

  it("is WebKit's default when the shell said nothing or nothing it knows", () => {
    expect(overflowScrolling()).toBe("composited");
    Reflect.set(globalThis, "__TACK_WEBKIT__", { overflowScrolling: "sideways" });
    expect(overflowScrolling()).toBe("composited");
    Reflect.set(globalThis, "__TACK_WEBKIT__", "main-thread");
    expect(overflowScrolling()).toBe("composited");
  });
});
