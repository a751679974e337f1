/**
 * The socket address each request came from. Next.js does not give route handlers the socket,
 * and it keeps a client-sent `X-Forwarded-For` as it is (it only fills the header in when it is
 * absent), so a route cannot tell the peer from what the client wrote. `installPeerHook()` (run
 * once from `instrumentation.ts`, before any request) records the peer in an internal header on
 * every incoming request, overwriting whatever a client put there; `peerAddress()` reads it only
 * when the hook is installed in this process.
 */

import { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";

export const PEER_HEADER = "x-pakaura-peer";
const INSTALLED = Symbol.for("pakaura.peerHook");

type Flagged = typeof globalThis & { [INSTALLED]?: boolean };

export async function installPeerHook(): Promise<void> {
  const flagged = globalThis as Flagged;
  if (flagged[INSTALLED]) return;
  const http = await import("node:http");
  const emit = EventEmitter.prototype.emit;
  const patched = function (this: unknown, event: string | symbol, ...args: unknown[]) {
    if (event === "request") {
      const request = args[0] as IncomingMessage | undefined;
      if (request?.headers) request.headers[PEER_HEADER] = request.socket?.remoteAddress ?? "";
    }
    return emit.call(this, event, ...args);
  };
  http.Server.prototype.emit = patched as typeof http.Server.prototype.emit;
  flagged[INSTALLED] = true;
}

export function peerHookInstalled(): boolean {
  return (globalThis as Flagged)[INSTALLED] === true;
}

/** The peer address of `request`, or null when this process does not record it. */
export function peerAddress(request: Request): string | null {
  if (!peerHookInstalled()) return null;
  return request.headers.get(PEER_HEADER) || null;
}
