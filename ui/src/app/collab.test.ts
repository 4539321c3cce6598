// Collaboration helpers that need no shell: who has which card selected.

import { describe, expect, it } from "vitest";
import type { Person } from "../ipc";
import { selectionsByTask } from "./collab";

function person(userId: string, selectedTaskId: string | null, me = false): Person {
  return {
    userId,
    name: userId,
    initials: userId.slice(0, 2),
    color: "#000000",
    selectedTaskId,
    me,
  };
}

describe("selectionsByTask", () => {
  it("groups the others by the card they have selected, leaving me and the idle out", () => {
    const byTask = selectionsByTask([
      person("alice", "t1"),
      person("me", "t1", true),
      person("bob", "t1"),
      person("carol", null),
      person("dave", "t2"),
    ]);
    expect([...byTask].map(([task, people]) => [task, people.map((p) => p.userId)])).toEqual([
      ["t1", ["alice", "bob"]],
      ["t2", ["dave"]],
    ]);
  });
});
