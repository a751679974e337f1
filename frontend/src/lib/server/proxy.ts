/**
 * Server-side proxy from the frontend's origin to the API (`API_INTERNAL_URL`, read per request).
 * It turns the HttpOnly session cookie into `Authorization: Bearer <jwt>`; nothing else of the
 * browser's credentials (cookies) goes upstream, and no upstream cookie comes back.
 *
 * Bodies are read with a 1 MiB cap (`body.ts`), the client address is computed here
 * (`client-address.ts`) and sent as the only `X-Forwarded-For`, and answers stream through
 * unbuffered (the chat's server-sent events show up as they are written).
 */

import { MAX_BODY_BYTES, readLimitedBody, TOO_LARGE } from "./body";
import { clientAddress, parseTrustedProxies } from "./client-address";
import { apiBaseUrl, upstreamTimeoutMs } from "./config";
import { peerAddress } from "./peer";
import {
  clearedSessionCookie,
  isSecureRequest,
  isTokenExpired,
  readSessionToken,
} from "./session-cookie";

const REQUEST_HEADERS = ["accept", "accept-language", "content-type", "user-agent"];
/** Relayed from the API: the body's type, back-off hints and the paging cursors. */
const RESPONSE_HEADERS = ["content-type", "retry-after", "location", "x-next-offset", "x-next-before"];
const BODYLESS_METHODS = new Set(["GET", "HEAD"]);
const BODYLESS_STATUSES = new Set([204, 205, 304]);

export const MESSAGES = {
  signedOut: "Please sign in.",
  expired: "Your session has expired. Please sign in again.",
  unavailable: "The Pakaura service is unavailable right now. Please try again in a moment.",
  timeout: "The Pakaura service took too long to answer. Please try again.",
  crossSite: "Cross-site requests are not allowed.",
  tooLarge: TOO_LARGE,
  badRequest: "The request could not be read.",
  notFound: "Not found.",
} as const;

export interface ProxyOptions {
  /** Answer 401 without calling the API when there is no usable session (the browser's own
   * data routes); the generic `/api/*` pass-through leaves that decision to the API. */
  requireSession: boolean;
  apiBase?: string;
  timeoutMs?: number;
}

export function jsonResponse(status: number, body: unknown, extraHeaders: HeadersInit = {}) {
  const headers = new Headers(extraHeaders);
  headers.set("content-type", "application/json");
  headers.set("cache-control", "no-store");
  return new Response(JSON.stringify(body), { status, headers });
}

/** 413 (or 400 for a Content-Length that is not a number); the connection is not reused. */
export function bodyRefused(status: 413 | 400): Response {
  return jsonResponse(status, { detail: status === 413 ? MESSAGES.tooLarge : MESSAGES.badRequest }, { connection: "close" });
}

/** SameSite=Lax already keeps the cookie off cross-site POSTs; this refuses them outright. */
export function isCrossSiteWrite(request: Request): boolean {
  return (
    !BODYLESS_METHODS.has(request.method.toUpperCase()) &&
    request.headers.get("sec-fetch-site") === "cross-site"
  );
}

export function sessionEnded(request: Request, reason: "expired" | "signed_out"): Response {
  const detail = reason === "expired" ? MESSAGES.expired : MESSAGES.signedOut;
  const headers = new Headers();
  if (reason === "expired") headers.set("set-cookie", clearedSessionCookie(isSecureRequest(request)));
  return jsonResponse(401, { detail, reason }, headers);
}

/** The one `X-Forwarded-For` value the API gets: the client as this server saw it. */
export function forwardedFor(request: Request): string | null {
  return clientAddress(peerAddress(request), request.headers.get("x-forwarded-for"), parseTrustedProxies());
}

export function upstreamHeaders(request: Request, token: string | null): Headers {
  const headers = new Headers();
  for (const name of REQUEST_HEADERS) {
    const value = request.headers.get(name);
    if (value) headers.set(name, value);
  }
  // An explicit Authorization header (e.g. curl through the frontend) wins over the cookie.
  const explicit = request.headers.get("authorization");
  if (explicit) headers.set("authorization", explicit);
  else if (token) headers.set("authorization", `Bearer ${token}`);
  const client = forwardedFor(request);
  if (client) headers.set("x-forwarded-for", client);
  headers.set("x-request-id", request.headers.get("x-request-id") ?? crypto.randomUUID());
  return headers;
}

/** A signal that fires when the browser goes away or the upstream takes too long. */
export function upstreamSignal(request: Request, timeoutMs: number): AbortSignal {
  return AbortSignal.any([request.signal, AbortSignal.timeout(timeoutMs)]);
}

/** The request's body, read with the cap; a Response when it must be refused. */
export async function cappedBody(request: Request): Promise<Uint8Array | Response | undefined> {
  if (BODYLESS_METHODS.has(request.method.toUpperCase())) return undefined;
  const read = await readLimitedBody(request, MAX_BODY_BYTES);
  return read.ok ? read.body : bodyRefused(read.status);
}

/** Forward `request` to `<API><upstreamPath>?<same query>` and relay the answer.
 * `upstreamPath` is null when the requested path is not one the web app may reach. */
export async function proxyToApi(
  request: Request,
  upstreamPath: string | null,
  options: ProxyOptions,
): Promise<Response> {
  if (isCrossSiteWrite(request)) return jsonResponse(403, { detail: MESSAGES.crossSite });
  if (upstreamPath === null) {
    await request.body?.cancel().catch(() => undefined);
    return jsonResponse(404, { detail: MESSAGES.notFound });
  }

  const stored = readSessionToken(request);
  const expired = stored !== null && isTokenExpired(stored);
  const token = expired ? null : stored;
  const explicitAuth = request.headers.has("authorization");
  if (options.requireSession && !token && !explicitAuth) {
    await request.body?.cancel().catch(() => undefined);
    return sessionEnded(request, expired ? "expired" : "signed_out");
  }

  const body = await cappedBody(request);
  if (body instanceof Response) return body;

  const method = request.method.toUpperCase();
  const target = `${options.apiBase ?? apiBaseUrl()}${upstreamPath}${new URL(request.url).search}`;
  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method,
      headers: upstreamHeaders(request, token),
      body: body as BodyInit | undefined,
      redirect: "manual",
      cache: "no-store",
      signal: upstreamSignal(request, options.timeoutMs ?? upstreamTimeoutMs()),
    });
  } catch (error) {
    const timedOut = error instanceof Error && error.name === "TimeoutError";
    return jsonResponse(timedOut ? 504 : 503, {
      detail: timedOut ? MESSAGES.timeout : MESSAGES.unavailable,
    });
  }

  // The API refused the cookie's token: the session is over, so forget the cookie too.
  if (upstream.status === 401 && options.requireSession && token && !explicitAuth) {
    await upstream.body?.cancel();
    return sessionEnded(request, "expired");
  }

  const headers = new Headers({ "cache-control": "no-store" });
  for (const name of RESPONSE_HEADERS) {
    const value = upstream.headers.get(name);
    if (value) headers.set(name, value);
  }
  if (headers.get("content-type")?.startsWith("text/event-stream")) {
    // Server-sent events: no transformation (compression would hold events back) and no
    // buffering by a reverse proxy in front (ingress-nginx honours X-Accel-Buffering).
    headers.set("cache-control", "no-cache, no-store, no-transform");
    headers.set("x-accel-buffering", "no");
  }
  const relayed = BODYLESS_STATUSES.has(upstream.status) || method === "HEAD" ? null : upstream.body;
  return new Response(relayed, { status: upstream.status, headers });
}
