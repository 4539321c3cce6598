import { describe, expect, it } from "vitest";
import type { DirectoryEntry } from "../ipc";
import { assignee, encodeMentions, initials, matchPeople, mentionAt, mentionText } from "./people";

const person = (userId: string, name: string, email: string, me = false): DirectoryEntry => ({
  userId,
  name,
  email,
  me,
});
const people = [
  person("u1", "ana", "ana@example.com"),
  person("u2", "bo", "bo@example.com", true),
  person("u3", "carla.m", "carla.m@example.com"),
  person("u4", "ana", "ana@other.org"),
];

describe("people", () => {
  it("makes initials from a name's words", () => {
    expect(initials("ana")).toBe("A");
    expect(initials("carla.m")).toBe("CM");
    expect(initials("Ana from sales")).toBe("AF");
    expect(initials("")).toBe("");
  });

  it("tells members from free-text assignees", () => {
    expect(assignee(people, "u3")).toMatchObject({ kind: "member", person: { name: "carla.m" } });
    expect(assignee(people, "Ana from sales")).toEqual({ kind: "unmatched", id: "Ana from sales" });
  });

  it("matches name prefixes first, then emails, then anywhere, leaving out the chosen", () => {
    const ids = (typed: string, except: string[] = []) =>
      matchPeople(people, typed, except).map((p) => p.userId);
    expect(ids("")).toEqual(["u1", "u2", "u3", "u4"]);
    expect(ids("A")).toEqual(["u1", "u4", "u3"]);
    expect(ids("ana@o")).toEqual(["u4"]);
    expect(ids("m")).toEqual(["u3"]);
    expect(ids("a", ["u1"])).toEqual(["u4", "u3"]);
    expect(ids("zed")).toEqual([]);
  });

  it("finds the @word being typed before the caret", () => {
    expect(mentionAt("Hi @an", 6)).toEqual({ start: 3, query: "an" });
    expect(mentionAt("@", 1)).toEqual({ start: 0, query: "" });
    expect(mentionAt("Hi @an there", 12)).toBeNull();
    expect(mentionAt("mail a@b", 8)).toBeNull();
    expect(mentionAt("Hi @an", 4)).toEqual({ start: 3, query: "" });
  });

  it("writes a shared name as the email, and stores chosen mentions as @[id]", () => {
    expect(mentionText(people, people[2] as DirectoryEntry)).toBe("carla.m");
    expect(mentionText(people, people[3] as DirectoryEntry)).toBe("ana@other.org");
    const chosen = new Map([
      ["carla.m", "u3"],
      ["ana@other.org", "u4"],
      ["bo", "u2"],
    ]);
    expect(encodeMentions("@carla.m and @ana@other.org, ask @bo.", chosen)).toBe(
      "@[u3] and @[u4], ask @[u2].",
    );
    // Only whole words: a longer name, or text typed without choosing, stays as typed.
    expect(encodeMentions("@bobby and @carla.mx and mail@bo", chosen)).toBe(
      "@bobby and @carla.mx and mail@bo",
    );
  });
});
