// How a task's due reads on screen: "today", "tomorrow 15:00", "Fri", "3 days ago", and
// whether it is overdue or due soon. The stored forms (DESIGN §1) are a date `2026-12-05` or a
// date-time with offset; what people type is read by the Rust side (`readDue`), never here.

import { createSignal, type Accessor } from "solid-js";

/** Overdue: past its deadline. Soon: within the next 24 hours. */
export type DueStatus = "overdue" | "soon" | "later";

const DAY_MS = 24 * 60 * 60 * 1000;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The local calendar day of a due: a date is its own day; a moment, the local day it falls on. */
function dueDay(due: string): Date | null {
  const date = DATE_ONLY.exec(due);
  if (date) return new Date(Number(date[1]), Number(date[2]) - 1, Number(date[3]));
  const at = new Date(due);
  return Number.isNaN(at.getTime())
    ? null
    : new Date(at.getFullYear(), at.getMonth(), at.getDate());
}

/** Whether a due has a time of day (a moment) or is a whole day. */
export function hasTime(due: string): boolean {
  return !DATE_ONLY.test(due);
}

/** When the task becomes overdue (ms): a moment itself; a date, the local midnight after it. */
export function dueDeadline(due: string): number | null {
  const date = DATE_ONLY.exec(due);
  if (date) return new Date(Number(date[1]), Number(date[2]) - 1, Number(date[3]) + 1).getTime();
  const at = new Date(due).getTime();
  return Number.isNaN(at) ? null : at;
}

export function dueStatus(due: string, now: number): DueStatus {
  const deadline = dueDeadline(due);
  if (deadline === null) return "later";
  if (now >= deadline) return "overdue";
  return deadline - now <= DAY_MS ? "soon" : "later";
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function clock(at: Date): string {
  return `${String(at.getHours()).padStart(2, "0")}:${String(at.getMinutes()).padStart(2, "0")}`;
}

/** The day part, relative to today where that reads better: "today", "Fri", "3 days ago". */
function describeDay(day: Date, now: Date): string {
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const days = Math.round((day.getTime() - today.getTime()) / DAY_MS);
  if (days === 0) return "today";
  if (days === 1) return "tomorrow";
  if (days === -1) return "yesterday";
  if (days > 1 && days < 7) return WEEKDAYS[day.getDay()] ?? "";
  if (days < -1 && days > -7) return `${-days} days ago`;
  const sameYear = day.getFullYear() === now.getFullYear();
  const date = `${MONTHS[day.getMonth()] ?? ""} ${day.getDate()}`;
  return sameYear ? date : `${date}, ${day.getFullYear()}`;
}

/** How a due reads on a card: "tomorrow 15:00", "Fri", "3 days ago", "Jan 12, 2027". */
export function describeDue(due: string, now: number): string {
  const day = dueDay(due);
  if (day === null) return due;
  const text = describeDay(day, new Date(now));
  return hasTime(due) ? `${text} ${clock(new Date(due))}` : text;
}

/** The sentence for assistive technology and tooltips: "Due tomorrow 15:00, due soon". */
export function dueLabel(due: string, now: number): string {
  const status = dueStatus(due, now);
  const text = `Due ${describeDue(due, now)}`;
  if (status === "overdue") return `${text}, overdue`;
  if (status === "soon") return `${text}, due soon`;
  return text;
}

/** The full date and time, for the task panel: "Fri Dec 11 2026, 15:00". */
export function fullDue(due: string): string {
  const day = dueDay(due);
  if (day === null) return due;
  const date = `${WEEKDAYS[day.getDay()] ?? ""} ${MONTHS[day.getMonth()] ?? ""} ${day.getDate()} ${day.getFullYear()}`;
  return hasTime(due) ? `${date}, ${clock(new Date(due))}` : date;
}

let minuteClock: Accessor<number> | undefined;

/** The current time, updated every minute, so relative dates and overdue marks move on. */
export function now(): number {
  if (minuteClock === undefined) {
    const [time, setTime] = createSignal(Date.now());
    setInterval(() => setTime(Date.now()), 60_000);
    minuteClock = time;
  }
  return minuteClock();
}
