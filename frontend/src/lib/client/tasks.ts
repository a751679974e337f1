/** Task list state: pure functions so the chat's effects can be applied (and tested) directly. */

import type { ChatAction, Priority, Task, TaskStatus } from "./types";

/** The task as chat tools report it in `result.task` (no timestamps). */
export interface TaskSummary {
  id: number;
  title: string;
  description: string;
  priority: Priority;
  due_date: string | null;
  completed: boolean;
}

function isSummary(value: unknown): value is TaskSummary {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record["id"] === "number" && typeof record["title"] === "string" && typeof record["completed"] === "boolean";
}

/** The task an action created, changed or deleted (`result.task`), when it succeeded. */
export function actionTask(action: ChatAction): TaskSummary | null {
  if (!actionSucceeded(action)) return null;
  const task = action.result["task"];
  return isSummary(task) ? task : null;
}

/** Merge a task (or a chat tool's summary of one) over what the list knows; new ones go first. */
export function upsertTask(tasks: readonly Task[], task: Task | TaskSummary): Task[] {
  const index = tasks.findIndex((t) => t.id === task.id);
  if (index === -1) {
    const now = new Date().toISOString();
    const full: Task = { created_at: now, updated_at: now, completed_at: null, ...task };
    return [full, ...tasks];
  }
  return tasks.map((t) => (t.id === task.id ? { ...t, ...task } : t));
}

/** Tool results say `ok: false` when they did nothing (e.g. an ambiguous reference). */
export function actionSucceeded(action: ChatAction): boolean {
  return action.result["ok"] !== false;
}

export function removeTask(tasks: readonly Task[], id: number): Task[] {
  return tasks.filter((t) => t.id !== id);
}

/** Apply chat actions to the list by their `effect`, so it updates at once (a refetch follows). */
export function applyActions(tasks: readonly Task[], actions: readonly ChatAction[]): Task[] {
  let next = [...tasks];
  for (const action of actions) {
    const task = actionTask(action);
    if (!task || action.effect === "none") continue;
    next = action.effect === "delete" ? removeTask(next, task.id) : upsertTask(next, task);
  }
  return next;
}

export function filterTasks(tasks: readonly Task[], filter: TaskStatus): Task[] {
  if (filter === "all") return [...tasks];
  return tasks.filter((t) => t.completed === (filter === "completed"));
}

export type DueState = "overdue" | "today" | "upcoming";

/** Where a pending task's due date stands relative to `today` (YYYY-MM-DD, the user's zone). */
export function dueState(task: Pick<Task, "completed" | "due_date">, today: string): DueState | null {
  if (task.completed || !task.due_date) return null;
  if (task.due_date < today) return "overdue";
  return task.due_date === today ? "today" : "upcoming";
}

export function isOverdue(task: Task, today: string): boolean {
  return dueState(task, today) === "overdue";
}

/** Today's date as YYYY-MM-DD in the browser's own time zone. */
export function localToday(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** "2026-11-30" -> "Mon 30 Nov" (the year only when it is not this year). */
export function formatDue(date: string, today: string): string {
  const [year, month, day] = date.split("-").map(Number);
  if (!year || !month || !day) return date;
  const value = new Date(year, month - 1, day);
  const options: Intl.DateTimeFormatOptions = { weekday: "short", day: "numeric", month: "short" };
  if (String(year) !== today.slice(0, 4)) options.year = "numeric";
  return value.toLocaleDateString(undefined, options);
}

/** The fields of `draft` that differ from `task` (what a PATCH should send). */
export function changedFields<T extends object>(task: T, draft: Partial<T>): Partial<T> {
  const changes: Partial<T> = {};
  for (const key of Object.keys(draft) as (keyof T)[]) {
    if (draft[key] !== task[key]) changes[key] = draft[key];
  }
  return changes;
}
