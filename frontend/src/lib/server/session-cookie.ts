/**
 * The session cookie: the API's JWT, kept where browser scripts cannot read it (HttpOnly).
 * Pure functions over plain Request/header values so they are easy to test.
 */

export const SESSION_COOKIE = "pakaura_session";

/** Keep the cookie a day past the token's expiry so an expired session can be told apart from
 * "never signed in" and the sign-in page can say so. */
const GRACE_SECONDS = 24 * 60 * 60;
const FALLBACK_LIFETIME_SECONDS = 24 * 60 * 60;

export function readSessionToken(request: Request): string | null {
  const header = request.headers.get("cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === SESSION_COOKIE) {
      const value = rest.join("=");
      return value ? decodeURIComponent(value) : null;
    }
  }
  return null;
}

/** Behind an Ingress the TLS is terminated upstream, so trust X-Forwarded-Proto first. */
export function isSecureRequest(request: Request): boolean {
  const forwarded = request.headers.get("x-forwarded-proto");
  if (forwarded) return forwarded.split(",")[0]?.trim().toLowerCase() === "https";
  return new URL(request.url).protocol === "https:";
}

/** The `exp` claim (seconds since the epoch) of a JWT, without verifying it: only the API
 * verifies tokens; the frontend only needs to know when to stop sending one. */
export function tokenExpiry(token: string): number | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    if (claims && typeof claims === "object" && "exp" in claims && typeof claims.exp === "number") {
      return claims.exp;
    }
  } catch {
    // Not a JWT we can read: treat as "no known expiry" and let the API decide.
  }
  return null;
}

export function isTokenExpired(token: string, nowSeconds = Date.now() / 1000): boolean {
  const exp = tokenExpiry(token);
  return exp !== null && exp <= nowSeconds;
}

function serialize(value: string, maxAge: number, secure: boolean): string {
  const attributes = [
    `${SESSION_COOKIE}=${encodeURIComponent(value)}`,
    "Path=/",
    `Max-Age=${Math.max(0, Math.floor(maxAge))}`,
    "HttpOnly",
    "SameSite=Lax",
  ];
  if (secure) attributes.push("Secure");
  return attributes.join("; ");
}

export function sessionCookie(token: string, secure: boolean, nowSeconds = Date.now() / 1000) {
  const exp = tokenExpiry(token);
  const lifetime = exp === null ? FALLBACK_LIFETIME_SECONDS : exp - nowSeconds;
  return serialize(token, lifetime + GRACE_SECONDS, secure);
}

export function clearedSessionCookie(secure: boolean): string {
  return serialize("", 0, secure);
}
