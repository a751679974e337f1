/**
 * Server-sent events, parsed incrementally from text chunks as they arrive (the format of
 * https://html.spec.whatwg.org/multipage/server-sent-events.html: `event:` and `data:` lines,
 * a blank line ends an event; comments start with `:`). EventSource cannot POST, so the chat
 * reads its stream with fetch and this.
 */

export interface ServerEvent {
  event: string;
  data: string;
}

export class EventParser {
  private buffer = "";
  private event = "";
  private data: string[] = [];

  /** Feed a chunk; returns the events it completed. */
  push(chunk: string): ServerEvent[] {
    this.buffer += chunk;
    const done: ServerEvent[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      // A lone "\r" at the very end may be the first half of "\r\n": wait for more.
      if (match[0] === "\r" && match.index === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      if (line === "") {
        if (this.data.length > 0) done.push({ event: this.event || "message", data: this.data.join("\n") });
        this.event = "";
        this.data = [];
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") this.event = value;
      else if (field === "data") this.data.push(value);
    }
    return done;
  }
}

/** Read a fetch body as server-sent events, calling `onEvent` for each as soon as it is whole. */
export async function readEvents(body: ReadableStream<Uint8Array>, onEvent: (event: ServerEvent) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new EventParser();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const event of parser.push(decoder.decode(value, { stream: true }))) onEvent(event);
    }
    for (const event of parser.push(decoder.decode() + "\n\n")) onEvent(event);
  } finally {
    reader.releaseLock();
  }
}
