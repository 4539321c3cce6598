// How dues read on a card and when they count as overdue or soon, in the machine's time zone
// (every date here is made from local parts, so the test holds in any zone).

import { describe, expect, it } from "vitest";
import { describeDue, dueDeadline, dueLabel, dueStatus, fullDue } from "./due";

/** A stored date-time for a local wall-clock time, with the local offset written out. */
function localMoment(y: number, m: number, d: number, h: number, min: number): string {
  const at = new Date(y, m - 1, d, h, min);
  const offset = -at.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const pad = (n: number) => String(Math.abs(n)).padStart(2, "0");
  return `${y}-${pad(m)}-${pad(d)}T${pad(h)}:${pad(min)}:00${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
}

// Friday 4 December 2026, 10:30 local time.
const NOW = new Date(2026, 11, 4, 10, 30).getTime();

describe("a due on a card", () => {
  it("reads in relative words near today and as a date further away", () => {
    expect(describeDue("2026-12-04", NOW)).toBe("today");
    expect(describeDue("2026-12-05", NOW)).toBe("tomorrow");
    expect(describeDue("2026-12-03", NOW)).toBe("yesterday");
    expect(describeDue("2026-12-08", NOW)).toBe("Tue");
    expect(describeDue("2026-12-01", NOW)).toBe("3 days ago");
    expect(describeDue("2026-12-24", NOW)).toBe("Dec 24");
    expect(describeDue("2027-01-12", NOW)).toBe("Jan 12, 2027");
    expect(describeDue(localMoment(2026, 12, 5, 15, 0), NOW)).toBe("tomorrow 15:00");
    expect(describeDue(localMoment(2026, 12, 4, 9, 5), NOW)).toBe("today 09:05");
  });

  it("is overdue after its day or its moment, and soon within a day", () => {
    expect(dueStatus("2026-12-03", NOW)).toBe("overdue");
    expect(dueStatus("2026-12-04", NOW)).toBe("soon");
    expect(dueStatus("2026-12-06", NOW)).toBe("later");
    expect(dueStatus(localMoment(2026, 12, 4, 10, 0), NOW)).toBe("overdue");
    expect(dueStatus(localMoment(2026, 12, 5, 10, 0), NOW)).toBe("soon");
    expect(dueStatus(localMoment(2026, 12, 5, 11, 0), NOW)).toBe("later");
    expect(dueDeadline("2026-12-04")).toBe(new Date(2026, 11, 5).getTime());
  });

  it("says its state in words, not only in colour", () => {
    expect(dueLabel("2026-12-01", NOW)).toBe("Due 3 days ago, overdue");
    expect(dueLabel(localMoment(2026, 12, 4, 15, 0), NOW)).toBe("Due today 15:00, due soon");
    expect(dueLabel("2026-12-24", NOW)).toBe("Due Dec 24");
  });

  it("shows the full date in the panel", () => {
    expect(fullDue("2026-12-11")).toBe("Fri Dec 11 2026");
    expect(fullDue(localMoment(2026, 12, 11, 15, 0))).toBe("Fri Dec 11 2026, 15:00");
  });

  it("shows something readable for a value it cannot read", () => {
    expect(describeDue("someday", NOW)).toBe("someday");
    expect(dueStatus("someday", NOW)).toBe("later");
  });
});
