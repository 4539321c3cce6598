// A board's people (the shell's directory: cached members and me) as the UI uses them: names
// and initials for assignees, and the list an autocomplete shows for what was typed.

import type { DirectoryEntry } from "../ipc/types";

/** Up to two capitals from a name's words: "ana" -> "A", "carla.m" -> "CM". */
export function initials(name: string): string {
  return name
    .split(/[\s._-]+/)
    .filter((part) => part !== "")
    .map((part) => part.charAt(0).toUpperCase())
    .join("")
    .slice(0, 2);
}

/** What an assignee of the document is here: a member, or a name no member has. */
export type Assignee =
  { kind: "member"; id: string; person: DirectoryEntry } | { kind: "unmatched"; id: string };

/**
 * Assignees are member ids (DESIGN §1). One the directory does not know is an older board's
 * free-text name (or someone no longer a member): kept and shown as it is, marked unmatched.
 */
export function assignee(people: readonly DirectoryEntry[], id: string): Assignee {
  const person = people.find((p) => p.userId === id);
  return person ? { kind: "member", id, person } : { kind: "unmatched", id };
}

/** How a member is labelled in lists: name, then "(you)" or the email. */
export function describe(person: DirectoryEntry): string {
  if (person.me) return `${person.name} (you)`;
  return person.email === "" ? person.name : `${person.name} <${person.email}>`;
}

/**
 * The people matching what was typed, best first: name prefix, then email prefix, then a
 * name containing it; case-insensitive. `except` (already chosen) are left out.
 */
export function matchPeople(
  people: readonly DirectoryEntry[],
  typed: string,
  except: readonly string[] = [],
): DirectoryEntry[] {
  const query = typed.trim().toLowerCase();
  const rank = (p: DirectoryEntry): number => {
    const name = p.name.toLowerCase();
    const email = p.email.toLowerCase();
    if (query === "" || name.startsWith(query)) return 0;
    if (email.startsWith(query)) return 1;
    if (name.includes(query)) return 2;
    return -1;
  };
  return people
    .filter((p) => !except.includes(p.userId))
    .map((p) => ({ p, r: rank(p) }))
    .filter(({ r }) => r >= 0)
    .sort((a, b) => a.r - b.r)
    .map(({ p }) => p);
}

/** The `@name` being typed just before the caret: where its `@` is and what follows it. */
export function mentionAt(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const found = /(^|\s)@([^\s@[\]]*)$/.exec(before);
  if (!found) return null;
  const query = found[2] ?? "";
  return { start: caret - query.length - 1, query };
}

/** What a chosen member is written as while composing: the name, or the email if shared. */
export function mentionText(people: readonly DirectoryEntry[], person: DirectoryEntry): string {
  const same = people.filter((p) => p.name.toLowerCase() === person.name.toLowerCase());
  return same.length > 1 && person.email !== "" ? person.email : person.name;
}

/**
 * The body to store: each `@text` of a member chosen from the list (`chosen`: text -> id)
 * becomes `@[id]` (DESIGN §1), where it still stands as a whole word. Other `@` text is left
 * as typed.
 */
export function encodeMentions(body: string, chosen: ReadonlyMap<string, string>): string {
  let out = body;
  // Longest first, so `@ana.m` is not taken for `@ana` followed by `.m`.
  const texts = [...chosen.keys()].sort((a, b) => b.length - a.length);
  for (const text of texts) {
    const id = chosen.get(text);
    if (id === undefined) continue;
    const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    out = out.replace(
      // Not when the word goes on (`@anabel`, `@ana@x.org`); a full stop after it is fine.
      new RegExp(`(^|[^\\w@])@${escaped}(?![\\w@-]|\\.\\w)`, "g"),
      (_, lead: string) => `${lead}@[${id}]`,
    );
  }
  return out;
}
