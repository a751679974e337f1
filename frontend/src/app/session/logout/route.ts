import { isCrossSiteWrite, jsonResponse, MESSAGES } from "@/lib/server/proxy";
import { clearedSessionCookie, isSecureRequest } from "@/lib/server/session-cookie";

export const dynamic = "force-dynamic";

// JWTs cannot be revoked by the API; signing out means the browser forgets the cookie.
export function POST(request: Request) {
  if (isCrossSiteWrite(request)) return jsonResponse(403, { detail: MESSAGES.crossSite });
  return new Response(null, {
    status: 204,
    headers: { "set-cookie": clearedSessionCookie(isSecureRequest(request)), "cache-control": "no-store" },
  });
}
