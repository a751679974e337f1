/**
 * Sign-in and sign-up on the server: the API's token goes into the HttpOnly cookie and only the
 * user object goes back to the browser.
 */

import { apiBaseUrl, upstreamTimeoutMs } from "./config";
import { isCrossSiteWrite, jsonResponse, MESSAGES, upstreamHeaders } from "./proxy";
import { isSecureRequest, sessionCookie } from "./session-cookie";

export type AuthAction = "login" | "signup";

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

export async function authenticate(
  request: Request,
  action: AuthAction,
  apiBase: string = apiBaseUrl(),
): Promise<Response> {
  if (isCrossSiteWrite(request)) return jsonResponse(403, { detail: MESSAGES.crossSite });
  let upstream: Response;
  try {
    upstream = await fetch(`${apiBase}/api/v1/auth/${action}`, {
      method: "POST",
      headers: upstreamHeaders(request, null),
      body: await request.text(),
      cache: "no-store",
      signal: AbortSignal.timeout(upstreamTimeoutMs()),
    });
  } catch {
    return jsonResponse(503, { detail: MESSAGES.unavailable });
  }

  const payload: unknown = await upstream.json().catch(() => null);
  if (!upstream.ok) {
    const fallback = upstream.status >= 500 ? MESSAGES.unavailable : "Request failed.";
    return jsonResponse(upstream.status, payload ?? { detail: fallback });
  }
  if (!isTokenResponse(payload)) return jsonResponse(502, { detail: MESSAGES.unavailable });
  return jsonResponse(
    upstream.status,
    { user: payload.user },
    { "set-cookie": sessionCookie(payload.access_token, isSecureRequest(request)) },
  );
}
