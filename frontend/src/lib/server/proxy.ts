/**
 * Server-side proxy from the frontend's origin to the API (`API_INTERNAL_URL`, read per request).
 * It turns the HttpOnly session cookie into `Authorization: Bearer <jwt>`; nothing else of the
 * browser's credentials (cookies) goes upstream, and no upstream cookie comes back.
 */

import { apiBaseUrl, upstreamTimeoutMs } from "./config";
import {
  clearedSessionCookie,
  isSecureRequest,
  isTokenExpired,
  readSessionToken,
} from "./session-cookie";

const REQUEST_HEADERS = ["accept", "accept-language", "content-type", "user-agent", "x-forwarded-for"];
const RESPONSE_HEADERS = ["content-type", "retry-after", "location"];
const BODYLESS_METHODS = new Set(["GET", "HEAD"]);
const BODYLESS_STATUSES = new Set([204, 205, 304]);

export const MESSAGES = {
  signedOut: "Please sign in.",
  expired: "Your session has expired. Please sign in again.",
  unavailable: "The Pakaura service is unavailable right now. Please try again in a moment.",
  timeout: "The Pakaura service took too long to answer. Please try again.",
  crossSite: "Cross-site requests are not allowed.",
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
  headers.set("x-request-id", request.headers.get("x-request-id") ?? crypto.randomUUID());
  return headers;
}

/** Forward `request` to `<API>/<upstreamPath>?<same query>` and relay the answer. */
export async function proxyToApi(
  request: Request,
  upstreamPath: string,
  options: ProxyOptions,
): Promise<Response> {
  if (isCrossSiteWrite(request)) return jsonResponse(403, { detail: MESSAGES.crossSite });

  const stored = readSessionToken(request);
  const expired = stored !== null && isTokenExpired(stored);
  const token = expired ? null : stored;
  const explicitAuth = request.headers.has("authorization");
  if (options.requireSession && !token && !explicitAuth) {
    return sessionEnded(request, expired ? "expired" : "signed_out");
  }

  const method = request.method.toUpperCase();
  const target = `${options.apiBase ?? apiBaseUrl()}${upstreamPath}${new URL(request.url).search}`;
  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method,
      headers: upstreamHeaders(request, token),
      body: BODYLESS_METHODS.has(method) ? undefined : await request.arrayBuffer(),
      redirect: "manual",
      cache: "no-store",
      signal: AbortSignal.timeout(options.timeoutMs ?? upstreamTimeoutMs()),
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
  const body = BODYLESS_STATUSES.has(upstream.status) || method === "HEAD" ? null : upstream.body;
  return new Response(body, { status: upstream.status, headers });
}
