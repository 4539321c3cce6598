// The pure parts of search and My tasks: the text a query error points at (the shell counts
// UTF-8 bytes) and My tasks' groups.

import { describe, expect, it } from "vitest";
import type { MyTask } from "../ipc";
import { erroneousText, groupMyTasks } from "./search";

function task(title: string, group: MyTask["group"]): MyTask {
  return {
    group,
    boardId: "b",
    boardTitle: "Board",
    taskId: title,
    columnId: "c",
    columnTitle: "Todo",
    title,
    due: null,
    labels: [],
  };
}

describe("search", () => {
  it("reads an error's byte offsets in text with accents and emoji", () => {
    const query = "café 🎉 is:soon";
    const start = new TextEncoder().encode("café 🎉 ").length;
    expect(erroneousText(query, start, start + "is:soon".length)).toBe("is:soon");
  });

  it("groups my tasks in the order given, with headings", () => {
    const groups = groupMyTasks([
      task("a", "overdue"),
      task("b", "overdue"),
      task("c", "thisWeek"),
      task("d", "noDate"),
    ]);
    expect(groups.map((g) => `${g.title}: ${g.tasks.map((t) => t.title).join(",")}`)).toEqual([
      "Overdue: a,b",
      "This week: c",
      "No date: d",
    ]);
  });
});
