"use client";

import { useState, type FormEvent, type RefObject } from "react";
import { filterTasks, isOverdue, localToday, type TaskFilter } from "@/lib/client/tasks";
import type { Priority, Task } from "@/lib/client/types";

export interface NewTask {
  title: string;
  priority: Priority;
  due_date: string | null;
}

interface Props {
  tasks: Task[];
  loaded: boolean;
  filter: TaskFilter;
  headingRef: RefObject<HTMLHeadingElement | null>;
  onFilter: (filter: TaskFilter) => void;
  onToggle: (task: Task) => void;
  onDelete: (task: Task) => void;
  /** Resolves to field errors (empty when the task was added). */
  onAdd: (task: NewTask) => Promise<Record<string, string>>;
}

const FILTERS: { value: TaskFilter; label: string }[] = [
  { value: "all", label: "All" },
  { value: "pending", label: "Pending" },
  { value: "completed", label: "Completed" },
];

function AddTaskForm({ onAdd }: Pick<Props, "onAdd">) {
  const [title, setTitle] = useState("");
  const [priority, setPriority] = useState<Priority>("medium");
  const [due, setDue] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!title.trim()) {
      setErrors({ title: "Give the task a title." });
      return;
    }
    setBusy(true);
    const result = await onAdd({ title: title.trim(), priority, due_date: due || null });
    setBusy(false);
    setErrors(result);
    if (Object.keys(result).length === 0) {
      setTitle("");
      setDue("");
      setPriority("medium");
    }
  }

  const general = errors["_"];
  return (
    <form className="add-task" onSubmit={submit} noValidate>
      <div className="field grow">
        <label htmlFor="new-task-title">New task</label>
        <input
          id="new-task-title"
          value={title}
          maxLength={200}
          onChange={(event) => setTitle(event.target.value)}
          aria-invalid={errors["title"] ? true : undefined}
          aria-describedby={errors["title"] ? "new-task-title-error" : undefined}
        />
        {errors["title"] ? (
          <p className="field-error" id="new-task-title-error">
            {errors["title"]}
          </p>
        ) : null}
      </div>
      <div className="field">
        <label htmlFor="new-task-priority">Priority</label>
        <select id="new-task-priority" value={priority} onChange={(e) => setPriority(e.target.value as Priority)}>
          <option value="low">Low</option>
          <option value="medium">Medium</option>
          <option value="high">High</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="new-task-due">Due date</label>
        <input
          id="new-task-due"
          type="date"
          value={due}
          onChange={(event) => setDue(event.target.value)}
          aria-invalid={errors["due_date"] ? true : undefined}
          aria-describedby={errors["due_date"] ? "new-task-due-error" : undefined}
        />
        {errors["due_date"] ? (
          <p className="field-error" id="new-task-due-error">
            {errors["due_date"]}
          </p>
        ) : null}
      </div>
      <button type="submit" className="button primary" disabled={busy}>
        Add
      </button>
      {general ? (
        <p className="field-error full" role="alert">
          {general}
        </p>
      ) : null}
    </form>
  );
}

function TaskItem({ task, today, onToggle, onDelete }: { task: Task; today: string } & Pick<Props, "onToggle" | "onDelete">) {
  const [confirming, setConfirming] = useState(false);
  const overdue = isOverdue(task, today);
  return (
    <li className="task" data-completed={task.completed} data-task-id={task.id}>
      <div className="task-main">
        <span className="task-title">{task.title}</span>
        {task.completed ? <span className="visually-hidden"> (completed)</span> : null}
        {task.description ? <span className="task-description">{task.description}</span> : null}
        <span className="task-meta">
          <span className={`badge priority-${task.priority}`}>{task.priority} priority</span>
          {task.due_date ? (
            <span className={overdue ? "due overdue" : "due"}>
              {overdue ? "Overdue: " : "Due "}
              <time dateTime={task.due_date}>{task.due_date}</time>
            </span>
          ) : null}
          {task.completed ? <span className="badge done">Completed</span> : null}
        </span>
      </div>
      <div className="task-actions">
        {confirming ? (
          <>
            <button type="button" className="button danger small" onClick={() => onDelete(task)}>
              Yes, delete
            </button>
            <button type="button" className="button secondary small" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </>
        ) : (
          <>
            <button
              type="button"
              className="button secondary small"
              onClick={() => onToggle(task)}
              aria-label={`${task.completed ? "Reopen" : "Complete"} “${task.title}”`}
            >
              {task.completed ? "Reopen" : "Complete"}
            </button>
            <button
              type="button"
              className="button ghost small"
              onClick={() => setConfirming(true)}
              aria-label={`Delete “${task.title}”`}
            >
              Delete
            </button>
          </>
        )}
      </div>
    </li>
  );
}

export default function TaskPanel(props: Props) {
  const { tasks, filter, loaded, headingRef, onFilter, onToggle, onDelete, onAdd } = props;
  const visible = filterTasks(tasks, filter);
  const today = localToday();
  const counts = {
    all: tasks.length,
    pending: tasks.filter((t) => !t.completed).length,
    completed: tasks.filter((t) => t.completed).length,
  };

  return (
    <section className="panel tasks" aria-labelledby="tasks-heading">
      <div className="panel-head">
        <h2 id="tasks-heading" ref={headingRef} tabIndex={-1}>
          Tasks
        </h2>
        <div className="filters" role="group" aria-label="Show tasks">
          {FILTERS.map(({ value, label }) => (
            <button
              key={value}
              type="button"
              className="filter"
              aria-pressed={filter === value}
              onClick={() => onFilter(value)}
            >
              {label} <span className="count">{counts[value]}</span>
            </button>
          ))}
        </div>
      </div>
      <AddTaskForm onAdd={onAdd} />
      {!loaded ? (
        <p className="muted">Loading tasks…</p>
      ) : visible.length === 0 ? (
        <p className="muted empty-tasks">
          {filter === "all"
            ? "No tasks yet. Add one above or ask the assistant."
            : filter === "pending"
              ? "Nothing pending. Nice."
              : "No completed tasks yet."}
        </p>
      ) : (
        <ul className="task-list" aria-label={`${filter} tasks`}>
          {visible.map((task) => (
            <TaskItem key={task.id} task={task} today={today} onToggle={onToggle} onDelete={onDelete} />
          ))}
        </ul>
      )}
    </section>
  );
}
