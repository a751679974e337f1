import { describe, expect, it } from "vitest";
import { EventParser, readEvents, type ServerEvent } from "./sse";

describe("EventParser", () => {
  it("parses events split anywhere across chunks", () => {
    const parser = new EventParser();
    const text = 'event: meta\ndata: {"conversation_id":3}\n\nevent: delta\ndata: {"text":"Hel"}\n\n: keep-alive\n\nevent: delta\r\ndata: {"text":"lo"}\r\n\r\n';
    const events: ServerEvent[] = [];
    for (let i = 0; i < text.length; i += 3) events.push(...parser.push(text.slice(i, i + 3)));
    expect(events).toEqual([
      { event: "meta", data: '{"conversation_id":3}' },
      { event: "delta", data: '{"text":"Hel"}' },
      { event: "delta", data: '{"text":"lo"}' },
    ]);
  });

  it("joins multi-line data and defaults the event name", () => {
    expect(new EventParser().push("data: a\ndata: b\n\n")).toEqual([{ event: "message", data: "a\nb" }]);
  });

  it("reads a stream, event by event", async () => {
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode("event: delta\ndata: {\"text\":\"é"));
        controller.enqueue(encoder.encode("\"}\n\nevent: done\ndata: {}"));
        controller.close();
      },
    });
    const seen: ServerEvent[] = [];
    await readEvents(body, (event) => seen.push(event));
    expect(seen).toEqual([
      { event: "delta", data: '{"text":"é"}' },
      { event: "done", data: "{}" },
    ]);
  });
});
