/** Task list state: pure functions so the chat's effects can be applied (and tested) directly. */

import type { ChatAction, Task } from "./types";

export type TaskFilter = "all" | "pending" | "completed";

function isTask(value: unknown): value is Task {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Task).id === "number" &&
    typeof (value as Task).title === "string" &&
    typeof (value as Task).completed === "boolean"
  );
}

/** Tasks an action's result carries: a task, a list of tasks, or `{task: ...}`/`{tasks: [...]}`. */
function tasksIn(result: unknown): Task[] {
  if (isTask(result)) return [result];
  if (Array.isArray(result)) return result.filter(isTask);
  if (typeof result === "object" && result !== null) {
    const record = result as Record<string, unknown>;
    return [...tasksIn(record["task"] ?? null), ...(Array.isArray(record["tasks"]) ? tasksIn(record["tasks"]) : [])];
  }
  return [];
}

function deletedId(action: ChatAction): number | null {
  const sources = [action.result, action.arguments];
  for (const source of sources) {
    if (typeof source !== "object" || source === null) continue;
    const record = source as Record<string, unknown>;
    for (const key of ["task_id", "id", "deleted_id"]) {
      if (typeof record[key] === "number") return record[key];
    }
    const nested = record["task"];
    if (isTask(nested)) return nested.id;
  }
  return null;
}

/** Chat tools report a task summary (no timestamps): merge it over what the list knows. */
export function upsertTask(tasks: readonly Task[], task: Task): Task[] {
  const index = tasks.findIndex((t) => t.id === task.id);
  if (index === -1) return [task, ...tasks];
  return tasks.map((t) => (t.id === task.id ? { ...t, ...task } : t));
}

/** Tool results say `ok: false` when they did nothing (e.g. an ambiguous reference). */
export function actionSucceeded(action: ChatAction): boolean {
  const result = action.result;
  return !(typeof result === "object" && result !== null && (result as Record<string, unknown>)["ok"] === false);
}

export function removeTask(tasks: readonly Task[], id: number): Task[] {
  return tasks.filter((t) => t.id !== id);
}

/** Apply a chat turn's actions to the list so it updates at once (a refetch follows). */
export function applyActions(tasks: readonly Task[], actions: readonly ChatAction[]): Task[] {
  let next = [...tasks];
  for (const action of actions) {
    if (!actionSucceeded(action)) continue;
    if (/delete|remove/i.test(action.tool)) {
      const id = deletedId(action);
      if (id !== null) next = removeTask(next, id);
      continue;
    }
    // Listing returns tasks too, but only changes should touch the list.
    if (/list|show|search|find/i.test(action.tool)) continue;
    for (const task of tasksIn(action.result)) next = upsertTask(next, task);
  }
  return next;
}

export function filterTasks(tasks: readonly Task[], filter: TaskFilter): Task[] {
  if (filter === "all") return [...tasks];
  return tasks.filter((t) => t.completed === (filter === "completed"));
}

export function isOverdue(task: Task, today: string): boolean {
  return !task.completed && task.due_date !== null && task.due_date < today;
}

/** Today's date as YYYY-MM-DD in the browser's own time zone. */
export function localToday(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}
