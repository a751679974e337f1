/**
 * Request bodies, read with a cap: the web app never holds more than `MAX_BODY_BYTES` of a body
 * in memory (issue 10: one 256 MiB POST took the server from 90 MB to 1.4 GB RSS). A declared
 * Content-Length over the cap is refused before a byte is read; a body without one (chunked) is
 * read until it passes the cap, then the stream is cancelled. Same 1 MiB as the API.
 */

export const MAX_BODY_BYTES = 1024 * 1024;

export const TOO_LARGE = "The request is too large (the limit is 1 MiB).";

export type BodyResult = { ok: true; body: Uint8Array } | { ok: false; status: 413 | 400 };

/** Read the whole body, or stop as soon as it is known to be over `limit` bytes. */
export async function readLimitedBody(request: Request, limit = MAX_BODY_BYTES): Promise<BodyResult> {
  const declared = request.headers.get("content-length");
  if (declared !== null) {
    const length = Number(declared);
    if (!/^\d+$/.test(declared.trim()) || !Number.isSafeInteger(length)) return { ok: false, status: 400 };
    if (length > limit) {
      await request.body?.cancel().catch(() => undefined);
      return { ok: false, status: 413 };
    }
  }
  if (!request.body) return { ok: true, body: new Uint8Array(0) };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return { ok: false, status: 413 };
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, body };
}

/** Text of a body read with the cap (UTF-8). */
export function bodyText(body: Uint8Array): string {
  return new TextDecoder().decode(body);
}
