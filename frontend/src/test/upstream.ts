/** A real HTTP server standing in for the API in unit tests: records what it received and
 * answers with whatever the test scripted. */

import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Scripted {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Written one by one, `delayMs` apart, instead of `body` (e.g. server-sent events). */
  chunks?: string[];
  delayMs?: number;
}

export interface Upstream {
  url: string;
  received: Received[];
  reply: (answer: Scripted) => void;
  close: () => Promise<void>;
}

export async function startUpstream(): Promise<Upstream> {
  const received: Received[] = [];
  let answer: Scripted = { status: 200, body: { ok: true } };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      const headers: Record<string, string> = { "content-type": "application/json", ...answer.headers };
      res.writeHead(answer.status, headers);
      const { chunks: parts, delayMs = 0 } = answer;
      if (parts) {
        void (async () => {
          for (const chunk of parts) {
            res.write(chunk);
            await new Promise((resolve) => setTimeout(resolve, delayMs));
          }
          res.end();
        })();
        return;
      }
      res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    reply: (next) => {
      answer = next;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A JWT-shaped token with the given `exp` (the frontend never verifies signatures). */
export function fakeJwt(exp: number): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "HS256", typ: "JWT" })}.${part({ sub: "1", exp })}.signature`;
}
