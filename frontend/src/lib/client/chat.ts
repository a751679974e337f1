/**
 * One chat turn, streamed: `POST /bff/chat/stream` answers with server-sent events — `meta`
 * (conversation id, mode) first, `delta` text as it is written, `action` as each task change is
 * applied, `done` (the whole ChatResponse) last, or `error`. When the API has no streaming route
 * (404 from FastAPI's router), the turn falls back to `POST /bff/chat` and reports the same
 * callbacks at once.
 */

import { ApiError, errorFromNetwork, errorFromResponse, request } from "./api";
import { readEvents } from "./sse";
import type { ChatAction, ChatMode, ChatResponse } from "./types";

export interface ChatTurn {
  message: string;
  conversation_id?: number;
}

export interface StreamHandlers {
  onMeta: (meta: { conversation_id: number; mode: ChatMode }) => void;
  onDelta: (text: string) => void;
  onAction: (action: ChatAction) => void;
}

const CUT_OFF = "The reply was cut off. Please try again.";

function parse(data: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

async function errorBody(response: Response): Promise<unknown> {
  return response.json().catch(() => null);
}

export async function streamChat(
  turn: ChatTurn,
  handlers: StreamHandlers,
  signal?: AbortSignal,
  base = "",
): Promise<ChatResponse> {
  let response: Response;
  try {
    response = await fetch(`${base}/bff/chat/stream`, {
      method: "POST",
      headers: { accept: "text/event-stream", "content-type": "application/json" },
      body: JSON.stringify(turn),
      credentials: "same-origin",
      cache: "no-store",
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw errorFromNetwork(error);
  }
  if (!response.ok) {
    const body = await errorBody(response);
    const detail = typeof body === "object" && body !== null ? (body as Record<string, unknown>)["detail"] : null;
    if (response.status === 404 && detail === "Not Found") return fallback(turn, handlers, signal, base);
    throw errorFromResponse(response.status, body);
  }
  if (!response.body) throw new ApiError("unavailable", CUT_OFF);

  let done: ChatResponse | null = null;
  let failure: ApiError | null = null;
  await readEvents(response.body, ({ event, data }) => {
    const payload = parse(data);
    if (event === "meta") {
      handlers.onMeta(payload as unknown as { conversation_id: number; mode: ChatMode });
    } else if (event === "delta" && typeof payload["text"] === "string") {
      handlers.onDelta(payload["text"]);
    } else if (event === "action") {
      handlers.onAction(payload as unknown as ChatAction);
    } else if (event === "done") {
      done = payload as unknown as ChatResponse;
    } else if (event === "error") {
      const status = typeof payload["status"] === "number" ? payload["status"] : 503;
      failure = errorFromResponse(status, { detail: payload["detail"] });
    }
  });
  if (failure) throw failure;
  if (!done) throw new ApiError("unavailable", CUT_OFF);
  return done;
}

async function fallback(turn: ChatTurn, handlers: StreamHandlers, signal: AbortSignal | undefined, base: string) {
  const answer = await request<ChatResponse>(`${base}/bff/chat`, { method: "POST", body: turn, signal });
  handlers.onMeta({ conversation_id: answer.conversation_id, mode: answer.mode });
  handlers.onDelta(answer.reply);
  for (const action of answer.actions) handlers.onAction(action);
  return answer;
}
