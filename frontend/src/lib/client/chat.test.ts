import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUpstream, type Upstream } from "@/test/upstream";
import { streamChat } from "./chat";
import type { ChatAction } from "./types";

let server: Upstream;
beforeAll(async () => {
  server = await startUpstream();
});
afterAll(async () => {
  await server.close();
});

const action: ChatAction = { tool: "add_task", effect: "upsert", arguments: { title: "milk" }, result: { ok: true } };
const done = { conversation_id: 4, reply: "Added milk.", mode: "demo", actions: [action] };

function recorder() {
  const seen: string[] = [];
  return {
    seen,
    handlers: {
      onMeta: (meta: { conversation_id: number }) => seen.push(`meta ${meta.conversation_id}`),
      onDelta: (text: string) => seen.push(`delta ${text}`),
      onAction: (a: ChatAction) => seen.push(`action ${a.tool}`),
    },
  };
}

describe("streamChat", () => {
  it("reports meta, text and actions as they arrive and returns the final answer", async () => {
    server.reply({
      status: 200,
      headers: { "content-type": "text/event-stream" },
      chunks: [
        'event: meta\ndata: {"conversation_id":4,"mode":"demo"}\n\n',
        'event: delta\ndata: {"text":"Added "}\n\n',
        `event: action\ndata: ${JSON.stringify(action)}\n\nevent: delta\ndata: {"text":"milk."}\n\n`,
        `event: done\ndata: ${JSON.stringify(done)}\n\n`,
      ],
      delayMs: 5,
    });
    const { seen, handlers } = recorder();
    const answer = await streamChat({ message: "add milk" }, handlers, undefined, server.url);
    expect(seen).toEqual(["meta 4", "delta Added ", "action add_task", "delta milk."]);
    expect(answer).toEqual(done);
    expect(server.received.at(-1)?.url).toBe("/bff/chat/stream");
  });

  it("turns an error event into an ApiError", async () => {
    server.reply({
      status: 200,
      headers: { "content-type": "text/event-stream" },
      chunks: ['event: meta\ndata: {"conversation_id":4,"mode":"ai"}\n\nevent: error\ndata: {"status":503,"detail":"The assistant is unavailable."}\n\n'],
    });
    await expect(streamChat({ message: "x" }, recorder().handlers, undefined, server.url)).rejects.toMatchObject({
      kind: "unavailable",
      message: "The assistant is unavailable.",
    });
  });

  it("says the reply was cut off when the stream ends without done", async () => {
    server.reply({ status: 200, headers: { "content-type": "text/event-stream" }, chunks: ['event: delta\ndata: {"text":"Hal"}\n\n'] });
    await expect(streamChat({ message: "x" }, recorder().handlers, undefined, server.url)).rejects.toMatchObject({ kind: "unavailable" });
  });

  it("maps refusals (429 with Retry-After) like any other call", async () => {
    server.reply({ status: 429, body: { detail: "Too many chats at once." }, headers: { "retry-after": "2" } });
    await expect(streamChat({ message: "x" }, recorder().handlers, undefined, server.url)).rejects.toMatchObject({ kind: "rate_limited" });
  });

  it("falls back to POST /bff/chat when the API has no streaming route", async () => {
    server.reply({ status: 404, body: { detail: "Not Found" } });
    const { seen, handlers } = recorder();
    // The fake answers every request the same way, so the fallback's own call 404s too: what
    // matters is that it went to /bff/chat.
    await expect(streamChat({ message: "x" }, handlers, undefined, server.url)).rejects.toMatchObject({ kind: "not_found" });
    expect(server.received.slice(-2).map((r) => r.url)).toEqual(["/bff/chat/stream", "/bff/chat"]);
    expect(seen).toEqual([]);
  });
});
