import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES, readLimitedBody } from "./body";

function streamOf(chunks: number, size: number, pulled: { count: number }): ReadableStream<Uint8Array> {
  return new ReadableStream({
    pull(controller) {
      if (pulled.count >= chunks) return controller.close();
      pulled.count += 1;
      controller.enqueue(new Uint8Array(size));
    },
  });
}

describe("readLimitedBody", () => {
  it("reads a small body whole", async () => {
    const read = await readLimitedBody(new Request("http://x/", { method: "POST", body: "hello" }));
    expect(read).toEqual({ ok: true, body: new TextEncoder().encode("hello") });
  });

  it("refuses a declared Content-Length over 1 MiB without reading a byte", async () => {
    const pulled = { count: 0 };
    const request = new Request("http://x/", {
      method: "POST",
      headers: { "content-length": String(256 * 1024 * 1024) },
      body: streamOf(4096, 65536, pulled),
      duplex: "half",
    } as RequestInit);
    expect(await readLimitedBody(request)).toEqual({ ok: false, status: 413 });
    expect(pulled.count).toBeLessThanOrEqual(1); // at most the stream's own first pull
  });

  it("stops reading a chunked body as soon as it passes 1 MiB", async () => {
    const pulled = { count: 0 };
    // 256 MiB on offer in 64 KiB chunks: only ~17 chunks are ever pulled.
    const request = new Request("http://x/", { method: "POST", body: streamOf(4096, 65536, pulled), duplex: "half" } as RequestInit);
    expect(await readLimitedBody(request)).toEqual({ ok: false, status: 413 });
    expect(pulled.count).toBeLessThan(MAX_BODY_BYTES / 65536 + 4);
  });

  it("accepts exactly 1 MiB and refuses a malformed Content-Length", async () => {
    const exact = await readLimitedBody(new Request("http://x/", { method: "POST", body: new Uint8Array(MAX_BODY_BYTES) }));
    expect(exact.ok).toBe(true);
    const bad = new Request("http://x/", { method: "POST", body: "x", headers: { "content-length": "1e9" } });
    expect(await readLimitedBody(bad)).toEqual({ ok: false, status: 400 });
  });
});
