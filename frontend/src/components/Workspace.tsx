"use client";

import { useRouter } from "next/navigation";
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, errorFromNetwork, request, requestWithHeaders } from "@/lib/client/api";
import { streamChat } from "@/lib/client/chat";
import { actionTask, applyActions, removeTask, upsertTask } from "@/lib/client/tasks";
import type {
  ChatAction,
  ChatMessage,
  ChatMode,
  Conversation,
  Task,
  TaskSort,
  TaskStatus,
  TaskUpdate,
  User,
} from "@/lib/client/types";
import AccountMenu from "./AccountMenu";
import Banner from "./Banner";
import ChatPanel, { type DisplayMessage } from "./ChatPanel";
import TaskPanel, { type NewTask } from "./TaskPanel";
import Toast, { type UndoOffer } from "./Toast";

const TASK_PAGE = 100;
const MESSAGE_PAGE = 100;
const CONVERSATION_PAGE = 50;

function nextNumber(headers: Headers, name: string): number | null {
  const value = headers.get(name);
  return value !== null && /^\d+$/.test(value) ? Number(value) : null;
}

function fromStored(message: ChatMessage): DisplayMessage {
  return { ...message, key: `m${message.id}` };
}

/** The signed-in screen: chat (with earlier conversations) beside the task list. */
export default function Workspace({ user }: { user: User }) {
  const router = useRouter();
  const draftKey = `pakaura:draft:${user.id}`;
  const [tasks, setTasks] = useState<Task[]>([]);
  const [tasksLoaded, setTasksLoaded] = useState(false);
  const [filter, setFilter] = useState<TaskStatus>("all");
  const [sort, setSort] = useState<TaskSort>("created");
  const [nextOffset, setNextOffset] = useState<number | null>(null);
  const [conversations, setConversations] = useState<Conversation[]>([]);
  const [olderOffset, setOlderOffset] = useState<number | null>(null);
  const [activeId, setActiveId] = useState<number | null>(null);
  const [messages, setMessages] = useState<DisplayMessage[]>([]);
  const [earlierBefore, setEarlierBefore] = useState<number | null>(null);
  // The draft survives failed sends, reloads and an expired session (sessionStorage, this tab).
  const [draft, setDraft] = useState(() => window.sessionStorage.getItem(draftKey) ?? "");
  const [sending, setSending] = useState(false);
  const [chatError, setChatError] = useState<string | null>(null);
  const [unavailable, setUnavailable] = useState(false);
  const [undo, setUndo] = useState<UndoOffer | null>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const tasksHeadingRef = useRef<HTMLHeadingElement>(null);
  const abortRef = useRef<AbortController | null>(null);
  // Once the user has typed, sent or picked a conversation, nothing that arrives later (the
  // conversation list, a slow history) may switch the chat away from what they are looking at
  // (issue 12: a message sent right after sign-in vanished when the list arrived).
  const engaged = useRef(false);
  // Only the newest conversation request may show its history.
  const openSeq = useRef(0);
  // Only the newest task-list request may replace the list (filter/sort clicked quickly).
  const taskSeq = useRef(0);

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

  const loadTasks = useCallback(
    async (status: TaskStatus, order: TaskSort, offset = 0) => {
      const seq = offset === 0 ? ++taskSeq.current : taskSeq.current;
      try {
        const query = new URLSearchParams({ status, sort: order, limit: String(TASK_PAGE), offset: String(offset) });
        const { data, headers } = await requestWithHeaders<Task[]>(`/bff/tasks?${query}`);
        if (seq !== taskSeq.current) return;
        setTasks((current) => {
          if (offset === 0) return data;
          const known = new Set(current.map((t) => t.id));
          return [...current, ...data.filter((t) => !known.has(t.id))];
        });
        setNextOffset(nextNumber(headers, "x-next-offset"));
        setTasksLoaded(true);
        setUnavailable(false);
      } catch (error) {
        fail(error);
      }
    },
    [fail],
  );

  const loadConversations = useCallback(async (): Promise<Conversation[]> => {
    try {
      const { data, headers } = await requestWithHeaders<Conversation[]>(
        `/bff/conversations?limit=${CONVERSATION_PAGE}`,
      );
      setConversations(data);
      setOlderOffset(nextNumber(headers, "x-next-offset"));
      return data;
    } catch (error) {
      fail(error);
      return [];
    }
  }, [fail]);

  async function loadOlderConversations() {
    if (olderOffset === null) return;
    try {
      const { data, headers } = await requestWithHeaders<Conversation[]>(
        `/bff/conversations?limit=${CONVERSATION_PAGE}&offset=${olderOffset}`,
      );
      setConversations((current) => {
        const known = new Set(current.map((c) => c.id));
        return [...current, ...data.filter((c) => !known.has(c.id))];
      });
      setOlderOffset(nextNumber(headers, "x-next-offset"));
    } catch (error) {
      fail(error);
    }
  }

  const openConversation = useCallback(
    async (id: number, automatic = false) => {
      if (automatic && engaged.current) return;
      const seq = ++openSeq.current;
      try {
        const { data, headers } = await requestWithHeaders<ChatMessage[]>(
          `/bff/conversations/${id}/messages?limit=${MESSAGE_PAGE}`,
        );
        if (seq !== openSeq.current || (automatic && engaged.current)) return;
        setActiveId(id);
        setMessages(data.map(fromStored));
        setEarlierBefore(nextNumber(headers, "x-next-before"));
        setChatError(null);
      } catch (error) {
        fail(error);
      }
    },
    [fail],
  );

  async function loadEarlier() {
    if (activeId === null || earlierBefore === null) return;
    const id = activeId;
    try {
      const { data, headers } = await requestWithHeaders<ChatMessage[]>(
        `/bff/conversations/${id}/messages?limit=${MESSAGE_PAGE}&before=${earlierBefore}`,
      );
      if (id !== activeId) return;
      setMessages((current) => [...data.map(fromStored), ...current]);
      setEarlierBefore(nextNumber(headers, "x-next-before"));
    } catch (error) {
      fail(error);
    }
  }

  const loadAll = useCallback(async () => {
    const [, list] = await Promise.all([loadTasks("all", "created"), loadConversations()]);
    const newest = list[0];
    if (newest) await openConversation(newest.id, true);
  }, [loadTasks, loadConversations, openConversation]);

  useEffect(() => {
    // Every setState in loadAll runs after an awaited fetch, never synchronously in the effect.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void loadAll();
    inputRef.current?.focus();
  }, [loadAll]);

  const refreshTasks = () => void loadTasks(filter, sort);

  async function restore(task: { id: number; title: string }) {
    try {
      const restored = await request<Task>(`/bff/tasks/${task.id}/restore`, { method: "POST" });
      setTasks((current) => upsertTask(current, restored));
      setUndo(null);
    } catch (error) {
      const apiError = fail(error);
      if (apiError.kind === "not_found") setUndo({ message: `Too late to bring back “${task.title}”.`, key: Date.now() });
    }
  }

  function offerUndoForChat(actions: readonly ChatAction[]) {
    const deleted = actions.filter((a) => a.effect === "delete").map(actionTask).filter((t) => t !== null);
    const last = deleted.at(-1);
    if (last) setUndo({ message: `Deleted “${last.title}”`, onUndo: () => restore(last), key: Date.now() });
  }

  async function send() {
    const text = draft.trim();
    if (!text || sending) return;
    engage();
    setSending(true);
    setChatError(null);
    const stamp = Date.now();
    const userKey = `u${stamp}`;
    const replyKey = `r${stamp}`;
    const controller = new AbortController();
    abortRef.current = controller;
    setMessages((current) => [
      ...current,
      { key: userKey, role: "user", content: text, mode: null, actions: [], pending: true },
    ]);
    let started = false;
    const collected: ChatAction[] = [];
    const updateReply = (change: (message: DisplayMessage) => DisplayMessage) =>
      setMessages((current) => current.map((m) => (m.key === replyKey ? change(m) : m)));
    const startReply = (mode: ChatMode | null) => {
      if (started) return;
      started = true;
      setMessages((current) => [
        ...current.map((m) => (m.key === userKey ? { ...m, pending: false } : m)),
        { key: replyKey, role: "assistant", content: "", mode, actions: [], streaming: true },
      ]);
    };
    try {
      const answer = await streamChat(
        activeId === null ? { message: text } : { message: text, conversation_id: activeId },
        {
          onMeta: ({ conversation_id, mode }) => {
            setActiveId(conversation_id);
            startReply(mode);
            // Only clear what was sent: text typed while waiting stays.
            setDraft((current) => (current.trim() === text ? "" : current));
          },
          onDelta: (delta) => {
            startReply(null);
            updateReply((m) => ({ ...m, content: m.content + delta }));
          },
          onAction: (action) => {
            startReply(null);
            collected.push(action);
            updateReply((m) => ({ ...m, actions: [...m.actions, action] }));
            setTasks((current) => applyActions(current, [action]));
          },
        },
        controller.signal,
      );
      setUnavailable(false);
      startReply(answer.mode);
      updateReply((m) => ({ ...m, content: answer.reply, mode: answer.mode, actions: answer.actions, streaming: false }));
      setDraft((current) => (current.trim() === text ? "" : current));
      setActiveId(answer.conversation_id);
      const unseen = answer.actions.slice(collected.length);
      if (unseen.length) setTasks((current) => applyActions(current, unseen));
      offerUndoForChat(answer.actions);
      refreshTasks();
      void loadConversations();
    } catch (error) {
      if (controller.signal.aborted) {
        // Stopped by the user: keep what arrived, say it was stopped; the server keeps the turn
        // consistent (no half-applied change), so the lists are read again.
        if (started) updateReply((m) => ({ ...m, streaming: false, stopped: true }));
        setMessages((current) =>
          current.map((m) => (m.key === userKey ? { ...m, pending: false, stopped: !started } : m)),
        );
        setDraft((current) => (current.trim() === text ? "" : current));
        refreshTasks();
        void loadConversations();
        return;
      }
      const apiError = fail(error);
      if (started) {
        updateReply((m) => ({ ...m, streaming: false, stopped: true }));
      } else {
        setMessages((current) => current.filter((m) => m.key !== userKey));
      }
      if (apiError.kind !== "unauthorized") {
        setChatError(
          apiError.kind === "unavailable"
            ? "Not sent: the service is unavailable. Your message is still in the box — press Enter to try again."
            : apiError.message,
        );
      }
    } finally {
      abortRef.current = null;
      setSending(false);
      inputRef.current?.focus();
    }
  }

  function stop() {
    abortRef.current?.abort();
  }

  async function update(task: Task, changes: TaskUpdate): Promise<Record<string, string>> {
    if (Object.keys(changes).length === 0) return {};
    try {
      const updated = await request<Task>(`/bff/tasks/${task.id}`, { method: "PATCH", body: changes });
      setUnavailable(false);
      setTasks((current) => upsertTask(current, updated));
      return {};
    } catch (error) {
      const apiError = fail(error);
      if (apiError.kind === "not_found") refreshTasks();
      if (Object.keys(apiError.fieldErrors).length > 0) return { ...apiError.fieldErrors };
      return { _: apiError.kind === "unavailable" ? "Not saved: the service is unavailable." : apiError.message };
    }
  }

  async function toggle(task: Task) {
    const completing = !task.completed;
    const errors = await update(task, { completed: completing });
    if (Object.keys(errors).length === 0 && completing) {
      setUndo({
        message: `Completed “${task.title}”`,
        onUndo: async () => {
          setUndo(null);
          await update({ ...task, completed: true }, { completed: false });
        },
        key: Date.now(),
      });
    }
  }

  async function remove(task: Task) {
    try {
      await request(`/bff/tasks/${task.id}`, { method: "DELETE" });
      setUnavailable(false);
      setTasks((current) => removeTask(current, task.id));
      tasksHeadingRef.current?.focus();
      setUndo({ message: `Deleted “${task.title}”`, onUndo: () => restore(task), key: Date.now() });
    } catch (error) {
      if (fail(error).kind === "not_found") refreshTasks();
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
    setEarlierBefore(null);
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
        <h1 className="brand">Pakaura</h1>
        <AccountMenu user={user} onSignOut={() => void signOut()} onFailure={fail} />
      </header>
      {unavailable ? <Banner onRetry={() => void loadAll()} /> : null}
      <main className="workspace">
        <ChatPanel
          conversations={conversations}
          activeId={activeId}
          messages={messages}
          hasEarlier={earlierBefore !== null}
          hasOlderConversations={olderOffset !== null}
          onLoadOlderConversations={() => void loadOlderConversations()}
          draft={draft}
          sending={sending}
          error={chatError}
          inputRef={inputRef}
          onDraftChange={(value) => {
            engaged.current = true;
            setDraft(value);
          }}
          onSend={() => void send()}
          onStop={stop}
          onLoadEarlier={() => void loadEarlier()}
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
          sort={sort}
          hasMore={nextOffset !== null}
          headingRef={tasksHeadingRef}
          onFilter={(value) => {
            setFilter(value);
            void loadTasks(value, sort);
          }}
          onSort={(value) => {
            setSort(value);
            void loadTasks(filter, value);
          }}
          onMore={() => (nextOffset !== null ? loadTasks(filter, sort, nextOffset) : Promise.resolve())}
          onToggle={(task) => void toggle(task)}
          onDelete={(task) => void remove(task)}
          onUpdate={update}
          onAdd={add}
        />
      </main>
      {undo ? <Toast key={undo.key} offer={undo} onDismiss={() => setUndo(null)} /> : null}
    </div>
  );
}
