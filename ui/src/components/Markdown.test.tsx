// @vitest-environment happy-dom
// What a description can put on screen: text and a whitelist of elements, never markup it wrote.

import { render } from "solid-js/web";
import { afterEach, describe, expect, it } from "vitest";
import { Markdown } from "./Markdown";

let dispose: (() => void) | undefined;
afterEach(() => {
  dispose?.();
  document.body.innerHTML = "";
});

function show(source: string): HTMLElement {
  const root = document.createElement("div");
  document.body.append(root);
  dispose = render(() => <Markdown source={source} />, root);
  return root;
}

const ALLOWED = new Set(
  "DIV P H3 H4 H5 H6 UL OL LI SPAN STRONG EM CODE PRE BLOCKQUOTE HR A".split(" "),
);

describe("rendered Markdown", () => {
  it("renders the supported subset as elements", () => {
    const root = show("# Plan\n\n**Ship** it, see [docs](https://tack.dev).\n\n- [x] one\n- two");
    expect(root.querySelector("h3")?.textContent).toBe("Plan");
    expect(root.querySelector("strong")?.textContent).toBe("Ship");
    const link = root.querySelector("a");
    expect(link?.getAttribute("href")).toBe("https://tack.dev");
    expect(link?.getAttribute("rel")).toBe("noopener noreferrer");
    expect(root.querySelectorAll("li")).toHaveLength(2);
  });

  it("shows HTML, scripts and event handlers as text, and drops unsafe links", () => {
    const source = [
      '<script>alert(1)</script> <img src=x onerror="alert(2)">',
      "<iframe src=https://evil.example></iframe>",
      "[a](javascript:alert`3`) [b](data:text/html,hi) <a href=x onclick=y>c</a>",
      "```\n<style>body{display:none}</style>\n```",
    ].join("\n\n");
    const root = show(source);
    for (const element of root.querySelectorAll("*")) {
      expect(ALLOWED.has(element.tagName), element.tagName).toBe(true);
      for (const attribute of element.getAttributeNames()) {
        expect(attribute.startsWith("on"), `${element.tagName} ${attribute}`).toBe(false);
      }
    }
    expect(root.querySelectorAll("a")).toHaveLength(0);
    expect(root.textContent).toContain("<script>alert(1)</script>");
    expect(root.textContent).toContain("<style>body{display:none}</style>");
  });
});
