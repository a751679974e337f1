"use client";

import { useState, type FormEvent, type KeyboardEvent, type RefObject } from "react";
import { changedFields, dueState, filterTasks, formatDue, localToday } from "@/lib/client/tasks";
import type { Priority, Task, TaskSort, TaskStatus, TaskUpdate } from "@/lib/client/types";
import AsyncButton from "./AsyncButton";
import { Field, fieldAria, TextField } from "./Field";

export interface NewTask {
  title: string;
  priority: Priority;
  due_date: string | null;
}

type Errors = Record<string, string>;

interface Props {
  tasks: Task[];
  loaded: boolean;
  filter: TaskStatus;
  sort: TaskSort;
  hasMore: boolean;
  headingRef: RefObject<HTMLHeadingElement | null>;
  onFilter: (filter: TaskStatus) => void;
  onSort: (sort: TaskSort) => void;
  onMore: () => Promise<void>;
  onToggle: (task: Task) => void;
  onDelete: (task: Task) => void;
  /** Resolves to field errors (empty when saved). */
  onUpdate: (task: Task, changes: TaskUpdate) => Promise<Errors>;
  /** Resolves to field errors (empty when the task was added). */
  onAdd: (task: NewTask) => Promise<Errors>;
}

const FILTERS: { value: TaskStatus; label: string }[] = [
  { value: "all", label: "All" },
  { value: "pending", label: "Pending" },
  { value: "completed", label: "Completed" },
];

const SORTS: { value: TaskSort; label: string }[] = [
  { value: "created", label: "Newest first" },
  { value: "due", label: "Due date" },
  { value: "priority", label: "Priority" },
];

const TITLE_MAX = 200;
const DESCRIPTION_MAX = 2000;

function PriorityField({ id, value, onChange }: { id: string; value: Priority; onChange: (value: Priority) => void }) {
  return (
    <div className="field">
      <label htmlFor={id}>Priority</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value as Priority)}>
        <option value="low">Low</option>
        <option value="medium">Medium</option>
        <option value="high">High</option>
      </select>
    </div>
  );
}

/** A button on a task, named with the task's title for screen readers ("Edit “Buy milk”"). */
function TaskButton({ task, verb, className, onClick }: { task: Task; verb: string; className: string; onClick: () => void }) {
  return (
    <button type="button" className={className} onClick={onClick} aria-label={`${verb} “${task.title}”`}>
      {verb}
    </button>
  );
}

function AddTaskForm({ onAdd }: Pick<Props, "onAdd">) {
  const [title, setTitle] = useState("");
  const [priority, setPriority] = useState<Priority>("medium");
  const [due, setDue] = useState("");
  const [errors, setErrors] = useState<Errors>({});
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
      <TextField
        id="new-task-title"
        label="New task"
        className="field grow"
        error={errors["title"]}
        value={title}
        maxLength={TITLE_MAX}
        onChange={(event) => setTitle(event.target.value)}
      />
      <PriorityField id="new-task-priority" value={priority} onChange={setPriority} />
      <TextField
        id="new-task-due"
        label="Due date"
        error={errors["due_date"]}
        type="date"
        value={due}
        onChange={(event) => setDue(event.target.value)}
      />
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

/** The task's own fields, edited in place; Escape or Cancel leaves it as it was. */
function EditTaskForm({ task, onUpdate, onDone }: { task: Task; onUpdate: Props["onUpdate"]; onDone: () => void }) {
  const [title, setTitle] = useState(task.title);
  const [description, setDescription] = useState(task.description);
  const [priority, setPriority] = useState<Priority>(task.priority);
  const [due, setDue] = useState(task.due_date ?? "");
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const id = (field: string) => `edit-${task.id}-${field}`;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!title.trim()) {
      setErrors({ title: "Give the task a title." });
      return;
    }
    const changes = changedFields<TaskUpdate>(task, {
      title: title.trim(),
      description,
      priority,
      due_date: due || null,
    });
    setBusy(true);
    const result = await onUpdate(task, changes);
    setBusy(false);
    setErrors(result);
    if (Object.keys(result).length === 0) onDone();
  }

  function onKeyDown(event: KeyboardEvent<HTMLFormElement>) {
    if (event.key === "Escape") {
      event.preventDefault();
      onDone();
    }
  }

  return (
    <form className="edit-task" onSubmit={submit} onKeyDown={onKeyDown} noValidate aria-label={`Edit “${task.title}”`}>
      <TextField
        id={id("title")}
        label="Title"
        error={errors["title"]}
        value={title}
        maxLength={TITLE_MAX}
        autoFocus
        onChange={(event) => setTitle(event.target.value)}
      />
      <Field id={id("description")} label="Description" error={errors["description"]}>
        <textarea
          id={id("description")}
          value={description}
          rows={3}
          maxLength={DESCRIPTION_MAX}
          onChange={(event) => setDescription(event.target.value)}
          {...fieldAria(id("description"), errors["description"])}
        />
      </Field>
      <div className="edit-row">
        <PriorityField id={id("priority")} value={priority} onChange={setPriority} />
        <TextField
          id={id("due")}
          label="Due date"
          error={errors["due_date"]}
          type="date"
          value={due}
          onChange={(event) => setDue(event.target.value)}
        />
      </div>
      {errors["_"] ? (
        <p className="field-error" role="alert">
          {errors["_"]}
        </p>
      ) : null}
      <div className="task-actions">
        <button type="submit" className="button primary small" disabled={busy}>
          Save
        </button>
        <button type="button" className="button secondary small" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

const DUE_LABEL = { overdue: "Overdue", today: "Due today", upcoming: "Due" } as const;

function TaskItem({
  task,
  today,
  onToggle,
  onDelete,
  onUpdate,
}: { task: Task; today: string } & Pick<Props, "onToggle" | "onDelete" | "onUpdate">) {
  const [editing, setEditing] = useState(false);
  const due = dueState(task, today);
  if (editing) {
    return (
      <li className="task editing" data-task-id={task.id}>
        <EditTaskForm task={task} onUpdate={onUpdate} onDone={() => setEditing(false)} />
      </li>
    );
  }
  return (
    <li className="task" data-completed={task.completed} data-task-id={task.id} data-due={due ?? undefined}>
      <div className="task-main">
        <span className="task-title">{task.title}</span>
        {task.completed ? <span className="visually-hidden"> (completed)</span> : null}
        {task.description ? <span className="task-description">{task.description}</span> : null}
        <span className="task-meta">
          <span className={`badge priority-${task.priority}`}>{task.priority} priority</span>
          {task.due_date ? (
            <span className={`due${due ? ` due-${due}` : ""}`}>
              {due === "today" ? (
                DUE_LABEL.today
              ) : (
                <>
                  {due ? DUE_LABEL[due] : "Due"}{" "}
                  <time dateTime={task.due_date}>{formatDue(task.due_date, today)}</time>
                </>
              )}
            </span>
          ) : null}
          {task.completed ? <span className="badge done">Completed</span> : null}
        </span>
      </div>
      <div className="task-actions">
        <TaskButton
          task={task}
          verb={task.completed ? "Reopen" : "Complete"}
          className="button secondary small"
          onClick={() => onToggle(task)}
        />
        <TaskButton task={task} verb="Edit" className="button ghost small" onClick={() => setEditing(true)} />
        <TaskButton task={task} verb="Delete" className="button ghost small danger-hover" onClick={() => onDelete(task)} />
      </div>
    </li>
  );
}

export default function TaskPanel(props: Props) {
  const { tasks, filter, sort, loaded, headingRef, onFilter, onToggle, onDelete, onUpdate, onAdd } = props;
  const visible = filterTasks(tasks, filter);
  const today = localToday();

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
              {label}
            </button>
          ))}
        </div>
      </div>
      <AddTaskForm onAdd={onAdd} />
      <div className="sort">
        <label htmlFor="task-sort">Sort by</label>
        <select id="task-sort" value={sort} onChange={(event) => props.onSort(event.target.value as TaskSort)}>
          {SORTS.map(({ value, label }) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
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
            <TaskItem key={task.id} task={task} today={today} onToggle={onToggle} onDelete={onDelete} onUpdate={onUpdate} />
          ))}
        </ul>
      )}
      {loaded && props.hasMore ? (
        <AsyncButton className="button secondary wide more" action={props.onMore} busyLabel="Loading…">
          Show more
        </AsyncButton>
      ) : null}
    </section>
  );
}
