// A small Markdown subset parsed into a tree that the UI renders with plain elements and text
// nodes: no HTML string is ever built, so nothing in a description can become markup or
// script. Links keep only http, https and mailto targets.

export type Inline =
  | { kind: "text"; text: string }
  | { kind: "code"; text: string }
  | { kind: "strong"; children: Inline[] }
  | { kind: "em"; children: Inline[] }
  | { kind: "link"; href: string; children: Inline[] };

export type Block =
  | { kind: "heading"; level: 1 | 2 | 3 | 4 | 5 | 6; children: Inline[] }
  | { kind: "paragraph"; children: Inline[] }
  | { kind: "list"; ordered: boolean; items: { checked: boolean | null; children: Inline[] }[] }
  | { kind: "quote"; children: Inline[] }
  | { kind: "code"; text: string }
  | { kind: "rule" };

/** The link target if it is safe to open, else null. */
export function safeHref(raw: string): string | null {
  const href = raw.trim();
  if (!/^(https?:\/\/|mailto:)/i.test(href)) return null;
  // No whitespace or control characters: they hide schemes from naive checks elsewhere.
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(href)) return null;
  return href;
}

function inlineUntil(text: string): Inline[] {
  const out: Inline[] = [];
  let plain = "";
  const flush = () => {
    if (plain !== "") out.push({ kind: "text", text: plain });
    plain = "";
  };
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const code = /^`([^`]+)`/.exec(rest);
    if (code?.[1] !== undefined) {
      flush();
      out.push({ kind: "code", text: code[1] });
      i += code[0].length;
      continue;
    }
    const strong = /^(\*\*|__)(?=\S)([\s\S]*?\S)\1/.exec(rest);
    if (strong?.[2] !== undefined) {
      flush();
      out.push({ kind: "strong", children: inlineUntil(strong[2]) });
      i += strong[0].length;
      continue;
    }
    const em = /^(\*|_)(?=\S)([\s\S]*?\S)\1/.exec(rest);
    if (em?.[2] !== undefined) {
      flush();
      out.push({ kind: "em", children: inlineUntil(em[2]) });
      i += em[0].length;
      continue;
    }
    const link = /^\[([^\]]+)\]\(([^)\s]+)\)/.exec(rest);
    if (link?.[1] !== undefined && link[2] !== undefined) {
      flush();
      const href = safeHref(link[2]);
      const children = inlineUntil(link[1]);
      if (href === null) out.push(...children);
      else out.push({ kind: "link", href, children });
      i += link[0].length;
      continue;
    }
    const auto = /^https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"]/.exec(rest);
    if (auto && (i === 0 || /\s/.test(text.charAt(i - 1)))) {
      const href = safeHref(auto[0]);
      if (href !== null) {
        flush();
        out.push({ kind: "link", href, children: [{ kind: "text", text: auto[0] }] });
        i += auto[0].length;
        continue;
      }
    }
    plain += text.charAt(i);
    i += 1;
  }
  flush();
  return out;
}

export function parseInline(text: string): Inline[] {
  return inlineUntil(text);
}

export function parseMarkdown(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  const flushParagraph = () => {
    if (paragraph.length > 0) {
      blocks.push({ kind: "paragraph", children: parseInline(paragraph.join(" ")) });
    }
    paragraph = [];
  };
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? "";
    if (/^```/.test(line)) {
      flushParagraph();
      const code: string[] = [];
      i += 1;
      while (i < lines.length && !/^```/.test(lines[i] ?? "")) {
        code.push(lines[i] ?? "");
        i += 1;
      }
      blocks.push({ kind: "code", text: code.join("\n") });
      i += 1;
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading?.[1] !== undefined && heading[2] !== undefined) {
      flushParagraph();
      const level = heading[1].length as 1 | 2 | 3 | 4 | 5 | 6;
      blocks.push({ kind: "heading", level, children: parseInline(heading[2]) });
      i += 1;
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      flushParagraph();
      blocks.push({ kind: "rule" });
      i += 1;
      continue;
    }
    const item = /^\s*([-*+]|\d+[.)])\s+(.*)$/.exec(line);
    if (item?.[1] !== undefined) {
      flushParagraph();
      const ordered = /\d/.test(item[1]);
      const items: { checked: boolean | null; children: Inline[] }[] = [];
      while (i < lines.length) {
        const m = /^\s*([-*+]|\d+[.)])\s+(.*)$/.exec(lines[i] ?? "");
        if (m?.[1] === undefined || /\d/.test(m[1]) !== ordered) break;
        const body = m[2] ?? "";
        const task = /^\[([ xX])\]\s+(.*)$/.exec(body);
        items.push(
          task?.[1] !== undefined
            ? { checked: task[1] !== " ", children: parseInline(task[2] ?? "") }
            : { checked: null, children: parseInline(body) },
        );
        i += 1;
      }
      blocks.push({ kind: "list", ordered, items });
      continue;
    }
    const quote = /^>\s?(.*)$/.exec(line);
    if (quote) {
      flushParagraph();
      const quoted: string[] = [];
      while (i < lines.length) {
        const q = /^>\s?(.*)$/.exec(lines[i] ?? "");
        if (!q) break;
        quoted.push(q[1] ?? "");
        i += 1;
      }
      blocks.push({ kind: "quote", children: parseInline(quoted.join(" ")) });
      continue;
    }
    if (line.trim() === "") flushParagraph();
    else paragraph.push(line.trim());
    i += 1;
  }
  flushParagraph();
  return blocks;
}
