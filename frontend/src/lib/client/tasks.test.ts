import { describe, expect, it } from "vitest";
import { applyActions, filterTasks, isOverdue, localToday, removeTask, upsertTask } from "./tasks";
import type { Task } from "./types";

function task(id: number, overrides: Partial<Task> = {}): Task {
  return {
    id,
    title: `task ${id}`,
    description: "",
    completed: false,
    priority: "medium",
    due_date: null,
    created_at: "2026-11-27T10:00:00Z",
    updated_at: "2026-11-27T10:00:00Z",
    completed_at: null,
    ...overrides,
  };
}

describe("task list reducer", () => {
  it("upserts: new tasks go first, existing ones are replaced in place", () => {
    const list = [task(2), task(1)];
    expect(upsertTask(list, task(3)).map((t) => t.id)).toEqual([3, 2, 1]);
    const replaced = upsertTask(list, task(1, { completed: true }));
    expect(replaced.map((t) => [t.id, t.completed])).toEqual([
      [2, false],
      [1, true],
    ]);
    expect(list[1]?.completed).toBe(false); // input untouched
  });

  it("removes by id", () => {
    expect(removeTask([task(1), task(2)], 1).map((t) => t.id)).toEqual([2]);
  });

  it("applies chat actions: add, complete, delete; ignores listings", () => {
    const start = [task(1), task(2)];
    const next = applyActions(start, [
      { tool: "add_task", arguments: { title: "new" }, result: task(3, { title: "new" }) },
      { tool: "complete_task", arguments: { task_id: 1 }, result: { task: task(1, { completed: true }) } },
      { tool: "delete_task", arguments: { task_id: 2 }, result: { deleted: true } },
      { tool: "list_tasks", arguments: {}, result: [task(99)] },
    ]);
    expect(next.map((t) => [t.id, t.completed])).toEqual([
      [3, false],
      [1, true],
    ]);
  });

  it("finds the deleted id in the result when arguments do not carry it", () => {
    expect(applyActions([task(5)], [{ tool: "delete_task", arguments: { title: "task 5" }, result: task(5) }])).toEqual([]);
  });

  it("reads the API's tool results: {ok, task} summaries merged over known tasks", () => {
    const start = [task(1, { created_at: "2026-01-01T00:00:00Z" })];
    const summary = { id: 1, title: "renamed", description: "", priority: "high", due_date: null, completed: true };
    const next = applyActions(start, [{ tool: "complete_task", arguments: {}, result: { ok: true, task: summary, changed: true } }]);
    expect(next[0]).toMatchObject({ id: 1, title: "renamed", completed: true, created_at: "2026-01-01T00:00:00Z" });
    const deleted = applyActions(next, [{ tool: "delete_task", arguments: {}, result: { ok: true, task: summary, deleted: true } }]);
    expect(deleted).toEqual([]);
  });

  it("ignores failed actions, even when their arguments name a task", () => {
    const start = [task(1)];
    const failed = { ok: false, error: "Which one?", candidates: [{ id: 1, title: "task 1", completed: false }] };
    expect(applyActions(start, [{ tool: "delete_task", arguments: { task_id: 1 }, result: failed }])).toEqual(start);
  });

  it("leaves the list alone for unknown result shapes", () => {
    const start = [task(1)];
    expect(applyActions(start, [{ tool: "update_task", arguments: {}, result: "ok" }])).toEqual(start);
  });

  it("filters pending and completed", () => {
    const list = [task(1), task(2, { completed: true })];
    expect(filterTasks(list, "pending").map((t) => t.id)).toEqual([1]);
    expect(filterTasks(list, "completed").map((t) => t.id)).toEqual([2]);
    expect(filterTasks(list, "all")).toHaveLength(2);
  });

  it("flags overdue only for pending tasks with a past due date", () => {
    expect(isOverdue(task(1, { due_date: "2026-11-26" }), "2026-11-27")).toBe(true);
    expect(isOverdue(task(1, { due_date: "2026-11-27" }), "2026-11-27")).toBe(false);
    expect(isOverdue(task(1, { due_date: "2026-11-26", completed: true }), "2026-11-27")).toBe(false);
    expect(localToday(new Date(2026, 0, 5))).toBe("2026-01-05");
  });
});
