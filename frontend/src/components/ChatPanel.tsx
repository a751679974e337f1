"use client";

import { useEffect, useRef, type KeyboardEvent, type RefObject } from "react";
import { actionSucceeded, actionTask } from "@/lib/client/tasks";
import type { ChatAction, ChatMessage, Conversation } from "@/lib/client/types";

/** The API's limit on one message (`MESSAGE_MAX`): counted, never silently cut. */
export const MESSAGE_MAX = 4000;

export interface DisplayMessage extends Omit<ChatMessage, "id" | "created_at"> {
  key: string;
  id?: number;
  created_at?: string;
  pending?: boolean;
  /** The reply is still arriving. */
  streaming?: boolean;
  /** The reply was stopped (by the user or a failure) before it was complete. */
  stopped?: boolean;
}

interface Props {
  conversations: Conversation[];
  activeId: number | null;
  messages: DisplayMessage[];
  hasEarlier: boolean;
  hasOlderConversations: boolean;
  onLoadOlderConversations: () => void;
  draft: string;
  sending: boolean;
  error: string | null;
  inputRef: RefObject<HTMLTextAreaElement | null>;
  onDraftChange: (value: string) => void;
  onSend: () => void;
  onStop: () => void;
  onLoadEarlier: () => void;
  onSelect: (id: number) => void;
  onNewChat: () => void;
}

function conversationLabel(conversation: Conversation): string {
  return conversation.title.trim() || `Conversation ${conversation.id}`;
}

function formatDate(value: string): string {
  const date = new Date(value);
  return Number.isNaN(date.getTime())
    ? ""
    : date.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

/** "add_task" on "buy milk" -> "Add task: buy milk" */
export function describeAction(action: ChatAction): string {
  const name = action.tool.replace(/[_-]+/g, " ").trim();
  const label = name.charAt(0).toUpperCase() + name.slice(1);
  const title = actionTask(action)?.title;
  return title ? `${label}: ${title}` : label;
}

export default function ChatPanel(props: Props) {
  const { conversations, activeId, messages, draft, sending, error, inputRef } = props;
  const logRef = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);
  const over = draft.length - MESSAGE_MAX;

  // Keep the newest turn in view while it streams, unless the user scrolled up to read.
  useEffect(() => {
    const log = logRef.current;
    if (log && stickToBottom.current) log.scrollTop = log.scrollHeight;
  }, [messages]);

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    // Enter sends, Shift+Enter is a newline; leave IME composition alone.
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      if (over <= 0) props.onSend();
    }
  }

  const described = ["chat-hint", "chat-count", error ? "chat-error" : ""].filter(Boolean).join(" ");

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
                  <span className="muted small">{formatDate(conversation.updated_at)}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
        {props.hasOlderConversations ? (
          <button type="button" className="button secondary small wide more" onClick={props.onLoadOlderConversations}>
            Show older chats
          </button>
        ) : null}
      </nav>

      <section className="panel chat" aria-labelledby="chat-heading">
        <div className="panel-head">
          <h2 id="chat-heading">Assistant</h2>
        </div>
        <div
          className="messages"
          ref={logRef}
          role="log"
          aria-live="polite"
          aria-label="Chat history"
          aria-busy={sending}
          tabIndex={0}
          onScroll={(event) => {
            const log = event.currentTarget;
            stickToBottom.current = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
          }}
        >
          <ol className="message-list">
          {props.hasEarlier ? (
            <li className="earlier">
              <button type="button" className="button secondary small" onClick={props.onLoadEarlier}>
                Show earlier messages
              </button>
            </li>
          ) : null}
          {messages.length === 0 ? (
            <li className="empty">
              Ask me to manage your tasks, for example <q>Add a task to buy milk tomorrow</q>,{" "}
              <q>Show my tasks</q> or <q>Mark buy milk as done</q>.
            </li>
          ) : null}
          {messages.map((message) => {
            const changes = message.actions.filter(actionSucceeded).filter((a) => a.effect !== "none");
            return (
              <li
                key={message.key}
                className={`message ${message.role === "user" ? "from-user" : "from-assistant"}`}
                data-role={message.role}
                data-mode={message.mode ?? undefined}
                data-streaming={message.streaming ? "true" : undefined}
              >
                <span className="visually-hidden">{message.role === "user" ? "You said:" : "Assistant:"}</span>
                {message.content || !message.streaming ? (
                  <p className="message-text">{message.content}</p>
                ) : (
                  <p className="message-text typing" aria-label="The assistant is writing">
                    <span aria-hidden="true">…</span>
                  </p>
                )}
                {changes.length > 0 ? (
                  <ul className="actions" aria-label="Task changes">
                    {changes.map((action, index) => (
                      <li key={index}>{describeAction(action)}</li>
                    ))}
                  </ul>
                ) : null}
                {message.mode === "demo" && !message.streaming ? (
                  <span className="demo-badge" title="Answered by the built-in offline assistant (no AI provider).">
                    Demo mode
                  </span>
                ) : null}
                {message.pending ? <span className="muted small">Sending…</span> : null}
                {message.stopped ? (
                  <span className="muted small">
                    {message.role === "user" ? "Stopped before the assistant replied." : "Stopped before the reply was complete."}
                  </span>
                ) : null}
              </li>
            );
          })}
          </ol>
        </div>
        <form
          className="composer"
          onSubmit={(event) => {
            event.preventDefault();
            if (over <= 0) props.onSend();
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
            aria-describedby={described}
            aria-invalid={over > 0 ? true : undefined}
          />
          {sending ? (
            <button type="button" className="button secondary" onClick={props.onStop}>
              Stop
            </button>
          ) : (
            <button type="submit" className="button primary" disabled={draft.trim() === "" || over > 0}>
              Send
            </button>
          )}
          <div className="composer-foot">
            <p id="chat-hint" className="muted small composer-hint">
              Enter to send · Shift+Enter for a new line
            </p>
            <p id="chat-count" className={`small composer-count${over > 0 ? " over" : " muted"}`}>
              {over > 0 ? (
                <span role="alert">
                  {over.toLocaleString()} {over === 1 ? "character" : "characters"} over the{" "}
                  {MESSAGE_MAX.toLocaleString()} limit
                </span>
              ) : (
                `${draft.length.toLocaleString()} / ${MESSAGE_MAX.toLocaleString()}`
              )}
            </p>
          </div>
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
