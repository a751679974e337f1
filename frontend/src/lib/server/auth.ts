/**
 * Sign-in, sign-up, sign-out and password change on the server: the API's token goes into (or
 * out of) the HttpOnly cookie and only the user object goes back to the browser.
 */

import { bodyText } from "./body";
import { apiBaseUrl, upstreamTimeoutMs } from "./config";
import {
  cappedBody,
  isCrossSiteWrite,
  jsonResponse,
  MESSAGES,
  sessionEnded,
  upstreamHeaders,
  upstreamSignal,
} from "./proxy";
import { clearedSessionCookie, isSecureRequest, isTokenExpired, readSessionToken, sessionCookie } from "./session-cookie";

export type AuthAction = "login" | "signup" | "password";

interface TokenResponse {
  access_token: string;
  user: unknown;
}

function isTokenResponse(value: unknown): value is TokenResponse {
  return (
    typeof value === "object" &&
    value !== null &&
    "access_token" in value &&
    typeof value.access_token === "string" &&
    "user" in value
  );
}

/** Sign in, sign up, or change the password (which needs the session and returns a new token). */
export async function authenticate(
  request: Request,
  action: AuthAction,
  apiBase: string = apiBaseUrl(),
): Promise<Response> {
  if (isCrossSiteWrite(request)) return jsonResponse(403, { detail: MESSAGES.crossSite });
  const stored = readSessionToken(request);
  const token = stored !== null && !isTokenExpired(stored) ? stored : null;
  if (action === "password" && !token) {
    await request.body?.cancel().catch(() => undefined);
    return sessionEnded(request, stored ? "expired" : "signed_out");
  }
  const body = await cappedBody(request);
  if (body instanceof Response) return body;

  let upstream: Response;
  try {
    upstream = await fetch(`${apiBase}/api/v1/auth/${action}`, {
      method: "POST",
      headers: upstreamHeaders(request, action === "password" ? token : null),
      body: bodyText(body ?? new Uint8Array(0)),
      cache: "no-store",
      signal: upstreamSignal(request, upstreamTimeoutMs()),
    });
  } catch {
    return jsonResponse(503, { detail: MESSAGES.unavailable });
  }

  if (action === "password" && upstream.status === 401) {
    await upstream.body?.cancel();
    return sessionEnded(request, "expired");
  }
  const payload: unknown = await upstream.json().catch(() => null);
  if (!upstream.ok) {
    const fallback = upstream.status >= 500 ? MESSAGES.unavailable : "Request failed.";
    const headers: HeadersInit = {};
    const retryAfter = upstream.headers.get("retry-after");
    if (retryAfter) headers["retry-after"] = retryAfter;
    return jsonResponse(upstream.status, payload ?? { detail: fallback }, headers);
  }
  if (!isTokenResponse(payload)) return jsonResponse(502, { detail: MESSAGES.unavailable });
  return jsonResponse(
    upstream.status,
    { user: payload.user },
    { "set-cookie": sessionCookie(payload.access_token, isSecureRequest(request)) },
  );
}

/** Sign out: the API revokes the token (so a copy of it is worthless too), the cookie goes.
 * The cookie is cleared even when the API cannot be reached. */
export async function signOut(request: Request, apiBase: string = apiBaseUrl()): Promise<Response> {
  if (isCrossSiteWrite(request)) return jsonResponse(403, { detail: MESSAGES.crossSite });
  const body = await cappedBody(request);
  if (body instanceof Response) return body;
  const token = readSessionToken(request);
  if (token && !isTokenExpired(token)) {
    try {
      const upstream = await fetch(`${apiBase}/api/v1/auth/logout`, {
        method: "POST",
        headers: upstreamHeaders(request, token),
        cache: "no-store",
        signal: upstreamSignal(request, Math.min(upstreamTimeoutMs(), 10_000)),
      });
      await upstream.body?.cancel();
    } catch {
      // Unreachable API: the browser still forgets the token; it expires on its own.
    }
  }
  return new Response(null, {
    status: 204,
    headers: { "set-cookie": clearedSessionCookie(isSecureRequest(request)), "cache-control": "no-store" },
  });
}
