import { describe, expect, it } from "vitest";
import type { TaskView } from "../ipc/types";
import { matchesQuery, parseQuery } from "./filter";

const task: TaskView = {
  id: "t1",
  title: "Fix drag ghost",
  column: "c",
  rank: "a0",
  description: "The ghost lags behind the **pointer**.",
  labels: ["l-bug"],
  assignees: ["ada"],
  due: null,
  checklist: [],
  createdAt: 0,
  updatedAt: 0,
  createdBy: "local",
  archived: false,
  commentCount: 0,
  commentStamp: 0,
  attachmentCount: 0,
};
const labels = new Map([["l-bug", { id: "l-bug", name: "Bug", color: "#ff0000" }]]);

describe("filter", () => {
  it("matches titles, label names and descriptions, ignoring case", () => {
    for (const query of ["drag", "DRAG", "bug", "#bug", "pointer", "ghost bug", ""]) {
      expect(matchesQuery(task, parseQuery(query), labels), query).toBe(true);
    }
  });

  it("needs every term to match", () => {
    expect(matchesQuery(task, parseQuery("drag docs"), labels)).toBe(false);
    expect(matchesQuery(task, parseQuery("feature"), labels)).toBe(false);
  });
});
