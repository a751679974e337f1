"use client";

import { useEffect, useRef, type KeyboardEvent, type RefObject } from "react";
import { actionSucceeded } from "@/lib/client/tasks";
import type { ChatAction, ChatMessage, Conversation } from "@/lib/client/types";

export interface DisplayMessage extends ChatMessage {
  pending?: boolean;
}

interface Props {
  conversations: Conversation[];
  activeId: number | null;
  messages: DisplayMessage[];
  draft: string;
  sending: boolean;
  error: string | null;
  inputRef: RefObject<HTMLTextAreaElement | null>;
  onDraftChange: (value: string) => void;
  onSend: () => void;
  onSelect: (id: number) => void;
  onNewChat: () => void;
}

function conversationLabel(conversation: Conversation): string {
  return conversation.title?.trim() || `Conversation ${conversation.id}`;
}

function formatDate(value: string | undefined): string {
  if (!value) return "";
  const date = new Date(value);
  return Number.isNaN(date.getTime())
    ? ""
    : date.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

/** "add_task" + {title: "x"} -> "Add task: x" */
export function describeAction(action: ChatAction): string {
  const name = action.tool.replace(/[_-]+/g, " ").replace(/\btask\b/i, "task").trim();
  const label = name.charAt(0).toUpperCase() + name.slice(1);
  const sources = [action.result, action.arguments];
  for (const source of sources) {
    if (source && typeof source === "object" && !Array.isArray(source)) {
      const record = source as Record<string, unknown>;
      const nested = record["task"] as Record<string, unknown> | undefined;
      const title = record["title"] ?? nested?.["title"];
      if (typeof title === "string" && title) return `${label}: ${title}`;
    }
  }
  return label;
}

export default function ChatPanel(props: Props) {
  const { conversations, activeId, messages, draft, sending, error, inputRef } = props;
  const logRef = useRef<HTMLOListElement>(null);

  // Keep the newest turn in view.
  useEffect(() => {
    const log = logRef.current;
    if (log) log.scrollTop = log.scrollHeight;
  }, [messages]);

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    // Enter sends, Shift+Enter is a newline; leave IME composition alone.
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      props.onSend();
    }
  }

  return (
    <>
      <nav className="panel conversations" aria-label="Conversations">
        <div className="panel-head">
          <h2>Conversations</h2>
          <button type="button" className="button secondary small" onClick={props.onNewChat}>
            New chat
          </button>
        </div>
        {conversations.length === 0 ? (
          <p className="muted">No earlier chats yet.</p>
        ) : (
          <ul className="conversation-list">
            {conversations.map((conversation) => (
              <li key={conversation.id}>
                <button
                  type="button"
                  className="conversation"
                  aria-current={conversation.id === activeId ? "true" : undefined}
                  onClick={() => props.onSelect(conversation.id)}
                >
                  <span className="conversation-title">{conversationLabel(conversation)}</span>
                  <span className="muted small">{formatDate(conversation.updated_at ?? conversation.created_at)}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </nav>

      <section className="panel chat" aria-labelledby="chat-heading">
        <div className="panel-head">
          <h2 id="chat-heading">Assistant</h2>
        </div>
        <ol className="messages" ref={logRef} role="log" aria-live="polite" aria-label="Chat history">
          {messages.length === 0 ? (
            <li className="empty">
              Ask me to manage your tasks, for example <q>Add a task to buy milk tomorrow</q>,{" "}
              <q>Show my tasks</q> or <q>Mark buy milk as done</q>.
            </li>
          ) : null}
          {messages.map((message) => (
            <li
              key={message.id}
              className={`message ${message.role === "user" ? "from-user" : "from-assistant"}`}
              data-role={message.role}
              data-mode={message.mode ?? undefined}
            >
              <span className="visually-hidden">{message.role === "user" ? "You said:" : "Assistant:"}</span>
              <p className="message-text">{message.content}</p>
              {message.actions && message.actions.some(actionSucceeded) ? (
                <ul className="actions" aria-label="Task changes">
                  {message.actions.filter(actionSucceeded).map((action, index) => (
                    <li key={index}>{describeAction(action)}</li>
                  ))}
                </ul>
              ) : null}
              {message.mode === "demo" ? (
                <span className="demo-badge" title="Answered by the built-in offline assistant (no AI provider).">
                  Demo mode
                </span>
              ) : null}
              {message.pending ? <span className="muted small">Sending…</span> : null}
            </li>
          ))}
        </ol>
        <form
          className="composer"
          onSubmit={(event) => {
            event.preventDefault();
            props.onSend();
          }}
        >
          <label htmlFor="chat-input" className="visually-hidden">
            Message the assistant
          </label>
          <textarea
            id="chat-input"
            ref={inputRef}
            rows={2}
            value={draft}
            placeholder="Ask the assistant…"
            onChange={(event) => props.onDraftChange(event.target.value)}
            onKeyDown={onKeyDown}
            aria-describedby={error ? "chat-error chat-hint" : "chat-hint"}
            maxLength={4000}
          />
          <button type="submit" className="button primary" disabled={sending || draft.trim() === ""}>
            {sending ? "Sending…" : "Send"}
          </button>
          <p id="chat-hint" className="muted small composer-hint">
            Enter to send · Shift+Enter for a new line
          </p>
          {error ? (
            <p id="chat-error" className="field-error composer-error" role="alert">
              {error}
            </p>
          ) : null}
        </form>
      </section>
    </>
  );
}
