import { describe, expect, it } from "vitest";
import {
  actionTask,
  applyActions,
  changedFields,
  dueState,
  filterTasks,
  isOverdue,
  localToday,
  removeTask,
  upsertTask,
} from "./tasks";
import type { ChatAction, Task } from "./types";

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

function summary(id: number, overrides: Partial<Task> = {}) {
  const full = task(id, overrides);
  return {
    id,
    title: full.title,
    description: full.description,
    priority: full.priority,
    due_date: full.due_date,
    completed: full.completed,
  };
}

function action(tool: string, effect: ChatAction["effect"], result: Record<string, unknown>): ChatAction {
  return { tool, effect, arguments: {}, result };
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

  it("applies chat actions by their effect, never by the tool's name", () => {
    const start = [task(1), task(2)];
    const next = applyActions(start, [
      action("add_task", "upsert", { ok: true, task: summary(3, { title: "new" }) }),
      action("complete_task", "upsert", { ok: true, task: summary(1, { completed: true }) }),
      action("delete_task", "delete", { ok: true, task: summary(2) }),
      action("list_tasks", "none", { ok: true, tasks: [summary(99)], task: summary(99) }),
      // A tool named like a deletion whose effect is an upsert is an upsert.
      action("remove_due_date", "upsert", { ok: true, task: summary(1, { completed: true, due_date: null }) }),
    ]);
    expect(next.map((t) => [t.id, t.completed])).toEqual([
      [3, false],
      [1, true],
    ]);
  });

  it("merges a summary over the task the list knows (keeps the timestamps)", () => {
    const start = [task(1, { created_at: "2026-01-01T00:00:00Z" })];
    const next = applyActions(start, [action("update_task", "upsert", { ok: true, task: summary(1, { title: "renamed", priority: "high" }) })]);
    expect(next[0]).toMatchObject({ id: 1, title: "renamed", priority: "high", created_at: "2026-01-01T00:00:00Z" });
  });

  it("ignores failed actions, even when they name a task", () => {
    const start = [task(1)];
    const failed = action("delete_task", "delete", { ok: false, error: "Which one?", candidates: [summary(1)] });
    expect(applyActions(start, [failed])).toEqual(start);
    expect(actionTask(failed)).toBeNull();
  });

  it("filters pending and completed", () => {
    const list = [task(1), task(2, { completed: true })];
    expect(filterTasks(list, "pending").map((t) => t.id)).toEqual([1]);
    expect(filterTasks(list, "completed").map((t) => t.id)).toEqual([2]);
    expect(filterTasks(list, "all")).toHaveLength(2);
  });

  it("tells overdue, due today and upcoming apart, for pending tasks only", () => {
    const today = "2026-11-27";
    expect(dueState(task(1, { due_date: "2026-11-26" }), today)).toBe("overdue");
    expect(dueState(task(1, { due_date: "2026-11-27" }), today)).toBe("today");
    expect(dueState(task(1, { due_date: "2026-11-28" }), today)).toBe("upcoming");
    expect(dueState(task(1, { due_date: "2026-11-26", completed: true }), today)).toBeNull();
    expect(dueState(task(1), today)).toBeNull();
    expect(isOverdue(task(1, { due_date: "2026-11-26" }), today)).toBe(true);
    expect(localToday(new Date(2026, 0, 5))).toBe("2026-01-05");
  });

  it("sends only what changed", () => {
    const original = task(1, { title: "a", description: "d", due_date: "2026-12-01" });
    expect(changedFields(original, { title: "a", description: "new", due_date: null, priority: "medium" })).toEqual({
      description: "new",
      due_date: null,
    });
  });
});
