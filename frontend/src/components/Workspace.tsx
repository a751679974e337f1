"use client";

import { useRouter } from "next/navigation";
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, errorFromNetwork, request } from "@/lib/client/api";
import { applyActions, removeTask, upsertTask, type TaskFilter } from "@/lib/client/tasks";
import type { ChatMessage, ChatResponse, Conversation, Task, User } from "@/lib/client/types";
import AccountMenu from "./AccountMenu";
import Banner from "./Banner";
import ChatPanel, { type DisplayMessage } from "./ChatPanel";
import TaskPanel, { type NewTask } from "./TaskPanel";

/** Lists may come bare or wrapped ({items: [...]}); accept both. */
function asList<T>(value: unknown): T[] {
  if (Array.isArray(value)) return value as T[];
  if (value && typeof value === "object") {
    for (const key of ["items", "tasks", "conversations", "messages"]) {
      const inner = (value as Record<string, unknown>)[key];
      if (Array.isArray(inner)) return inner as T[];
    }
  }
  return [];
}

/** The signed-in screen: chat (with earlier conversations) beside the task list. */
export default function Workspace({ user }: { user: User }) {
  const router = useRouter();
  const draftKey = `pakaura:draft:${user.id}`;
  const [tasks, setTasks] = useState<Task[]>([]);
  const [tasksLoaded, setTasksLoaded] = useState(false);
  const [filter, setFilter] = useState<TaskFilter>("all");
  const [conversations, setConversations] = useState<Conversation[]>([]);
  const [activeId, setActiveId] = useState<number | null>(null);
  const [messages, setMessages] = useState<DisplayMessage[]>([]);
  // The draft survives failed sends, reloads and an expired session (sessionStorage, this tab).
  const [draft, setDraft] = useState(() => window.sessionStorage.getItem(draftKey) ?? "");
  const [sending, setSending] = useState(false);
  const [chatError, setChatError] = useState<string | null>(null);
  const [unavailable, setUnavailable] = useState(false);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const tasksHeadingRef = useRef<HTMLHeadingElement>(null);
  // Once the user has typed, sent or picked a conversation, nothing that arrives later (the
  // conversation list, a slow history) may switch the chat away from what they are looking at
  // (issue 12: a message sent right after sign-in vanished when the list arrived).
  const engaged = useRef(false);
  // Only the newest conversation request may show its history.
  const openSeq = useRef(0);

  const engage = useCallback(() => {
    engaged.current = true;
    openSeq.current += 1; // a history still on its way is no longer wanted
  }, []);

  useEffect(() => {
    if (draft) window.sessionStorage.setItem(draftKey, draft);
    else window.sessionStorage.removeItem(draftKey);
  }, [draft, draftKey]);

  /** Every failed call goes through here: 401 -> sign-in, unreachable -> banner. */
  const fail = useCallback(
    (error: unknown): ApiError => {
      const apiError = error instanceof ApiError ? error : errorFromNetwork(error);
      if (apiError.kind === "unauthorized") {
        router.replace(apiError.reason === "signed_out" ? "/signin" : "/signin?reason=expired");
      } else if (apiError.kind === "unavailable") {
        setUnavailable(true);
      }
      return apiError;
    },
    [router],
  );

  const loadTasks = useCallback(async () => {
    try {
      setTasks(asList<Task>(await request("/bff/tasks?status=all")));
      setTasksLoaded(true);
      setUnavailable(false);
    } catch (error) {
      fail(error);
    }
  }, [fail]);

  const loadConversations = useCallback(async (): Promise<Conversation[]> => {
    try {
      const list = asList<Conversation>(await request("/bff/conversations"));
      setConversations(list);
      return list;
    } catch (error) {
      fail(error);
      return [];
    }
  }, [fail]);

  const openConversation = useCallback(
    async (id: number, automatic = false) => {
      if (automatic && engaged.current) return;
      const seq = ++openSeq.current;
      try {
        const history = asList<ChatMessage>(await request(`/bff/conversations/${id}/messages`));
        if (seq !== openSeq.current || (automatic && engaged.current)) return;
        setActiveId(id);
        setMessages(history.filter((m) => m.role === "user" || m.role === "assistant"));
        setChatError(null);
      } catch (error) {
        fail(error);
      }
    },
    [fail],
  );

  const loadAll = useCallback(async () => {
    const [, list] = await Promise.all([loadTasks(), loadConversations()]);
    const newest = list[0];
    if (newest) await openConversation(newest.id, true);
  }, [loadTasks, loadConversations, openConversation]);

  useEffect(() => {
    // Every setState in loadAll runs after an awaited fetch, never synchronously in the effect.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void loadAll();
    inputRef.current?.focus();
  }, [loadAll]);

  async function send() {
    const text = draft.trim();
    if (!text || sending) return;
    engage();
    setSending(true);
    setChatError(null);
    const pendingId = `pending-${Date.now()}`;
    setMessages((current) => [...current, { id: pendingId, role: "user", content: text, pending: true }]);
    try {
      const answer = await request<ChatResponse>("/bff/chat", {
        method: "POST",
        body: activeId === null ? { message: text } : { message: text, conversation_id: activeId },
      });
      setUnavailable(false);
      const actions = answer.actions ?? [];
      setMessages((current) => [
        ...current.map((m) => (m.id === pendingId ? { ...m, id: `${pendingId}-sent`, pending: false } : m)),
        { id: `${pendingId}-reply`, role: "assistant", content: answer.reply, mode: answer.mode, actions },
      ]);
      // Only clear what was sent: text typed while waiting stays.
      setDraft((current) => (current.trim() === text ? "" : current));
      setActiveId(answer.conversation_id);
      setTasks((current) => applyActions(current, actions));
      void loadTasks();
      void loadConversations();
    } catch (error) {
      const apiError = fail(error);
      setMessages((current) => current.filter((m) => m.id !== pendingId));
      if (apiError.kind !== "unauthorized") {
        setChatError(
          apiError.kind === "unavailable"
            ? "Not sent: the service is unavailable. Your message is still in the box — press Enter to try again."
            : apiError.message,
        );
      }
    } finally {
      setSending(false);
      inputRef.current?.focus();
    }
  }

  async function toggle(task: Task) {
    try {
      const updated = await request<Task>(`/bff/tasks/${task.id}`, {
        method: "PATCH",
        body: { completed: !task.completed },
      });
      setUnavailable(false);
      setTasks((current) => upsertTask(current, updated));
    } catch (error) {
      if (fail(error).kind === "not_found") void loadTasks();
    }
  }

  async function remove(task: Task) {
    try {
      await request(`/bff/tasks/${task.id}`, { method: "DELETE" });
      setUnavailable(false);
      setTasks((current) => removeTask(current, task.id));
      tasksHeadingRef.current?.focus();
    } catch (error) {
      if (fail(error).kind === "not_found") void loadTasks();
    }
  }

  async function add(task: NewTask): Promise<Record<string, string>> {
    try {
      const created = await request<Task>("/bff/tasks", {
        method: "POST",
        body: task.due_date ? task : { title: task.title, priority: task.priority },
      });
      setUnavailable(false);
      setTasks((current) => upsertTask(current, created));
      return {};
    } catch (error) {
      const apiError = fail(error);
      if (Object.keys(apiError.fieldErrors).length > 0) return { ...apiError.fieldErrors };
      return { _: apiError.kind === "unavailable" ? "Not added: the service is unavailable." : apiError.message };
    }
  }

  function newChat() {
    engage();
    setActiveId(null);
    setMessages([]);
    setChatError(null);
    inputRef.current?.focus();
  }

  async function signOut() {
    await fetch("/session/logout", { method: "POST" }).catch(() => undefined);
    window.sessionStorage.removeItem(draftKey);
    router.replace("/signin?reason=signed_out");
  }

  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">Pakaura</span>
        <AccountMenu user={user} onSignOut={() => void signOut()} onFailure={fail} />
      </header>
      {unavailable ? <Banner onRetry={() => void loadAll()} /> : null}
      <main className="workspace">
        <ChatPanel
          conversations={conversations}
          activeId={activeId}
          messages={messages}
          draft={draft}
          sending={sending}
          error={chatError}
          inputRef={inputRef}
          onDraftChange={(value) => {
            engaged.current = true;
            setDraft(value);
          }}
          onSend={() => void send()}
          onSelect={(id) => {
            engaged.current = true;
            void openConversation(id).then(() => inputRef.current?.focus());
          }}
          onNewChat={newChat}
        />
        <TaskPanel
          tasks={tasks}
          loaded={tasksLoaded}
          filter={filter}
          headingRef={tasksHeadingRef}
          onFilter={setFilter}
          onToggle={(task) => void toggle(task)}
          onDelete={(task) => void remove(task)}
          onAdd={add}
        />
      </main>
    </div>
  );
}
