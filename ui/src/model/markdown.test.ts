import { describe, expect, it } from "vitest";
import { parseInline, parseMarkdown, safeHref } from "./markdown";

describe("markdown", () => {
  it("parses headings, paragraphs, lists, task items, quotes and code", () => {
    const blocks = parseMarkdown(
      "# Plan\n\nShip it\ntoday.\n\n- [x] build\n- test\n\n1. one\n\n> note\n\n```\n<b>raw</b>\n```\n---",
    );
    expect(blocks.map((b) => b.kind)).toEqual([
      "heading",
      "paragraph",
      "list",
      "list",
      "quote",
      "code",
      "rule",
    ]);
    expect(blocks[1]).toEqual({
      kind: "paragraph",
      children: [{ kind: "text", text: "Ship it today." }],
    });
    expect(blocks[2]).toMatchObject({
      ordered: false,
      items: [{ checked: true }, { checked: null }],
    });
    expect(blocks[5]).toEqual({ kind: "code", text: "<b>raw</b>" });
  });

  it("parses emphasis, code spans and links", () => {
    expect(parseInline("a **b** _c_ `d` [e](https://x.org)")).toEqual([
      { kind: "text", text: "a " },
      { kind: "strong", children: [{ kind: "text", text: "b" }] },
      { kind: "text", text: " " },
      { kind: "em", children: [{ kind: "text", text: "c" }] },
      { kind: "text", text: " " },
      { kind: "code", text: "d" },
      { kind: "text", text: " " },
      { kind: "link", href: "https://x.org", children: [{ kind: "text", text: "e" }] },
    ]);
  });

  it("keeps HTML as text", () => {
    expect(parseInline('<img src=x onerror="alert(1)">')).toEqual([
      { kind: "text", text: '<img src=x onerror="alert(1)">' },
    ]);
  });

  it("drops links that are not http, https or mailto, keeping their text", () => {
    for (const href of [
      "javascript:alert`1`",
      "JaVaScRiPt:alert%281%29",
      "data:text/html,x",
      "vbscript:x",
      "/local",
      "file:///etc/passwd",
    ]) {
      expect(parseInline(`[click](${href})`)).toEqual([{ kind: "text", text: "click" }]);
    }
    expect(safeHref("mailto:ada@example.com")).toBe("mailto:ada@example.com");
    expect(safeHref("https://ok.org/\u0000")).toBeNull();
  });

  it("links bare URLs", () => {
    expect(parseInline("see https://tack.dev/docs.")).toEqual([
      { kind: "text", text: "see " },
      {
        kind: "link",
        href: "https://tack.dev/docs",
        children: [{ kind: "text", text: "https://tack.dev/docs" }],
      },
      { kind: "text", text: "." },
    ]);
  });
});
