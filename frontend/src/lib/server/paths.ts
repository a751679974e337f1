/**
 * The API paths the web app may reach: `/api/v1/<segments>` and nothing else (issue 10:
 * `/bff/%2e%2e/%2e%2e/api/docs` reached the API's docs). Each segment comes decoded from the
 * router; dot segments, empty segments and anything that decodes to a separator are refused,
 * and what is left is re-encoded, so the URL `fetch` builds cannot climb out of the prefix.
 */

export const API_PREFIX = "/api/v1";

const FORBIDDEN = /[/\\\u0000-\u001f\u007f]/;

export function safeSegment(segment: string): boolean {
  return segment !== "" && segment !== "." && segment !== ".." && !FORBIDDEN.test(segment);
}

/** `/api/v1/<segments, each percent-encoded>`, or null when any segment is unsafe. */
export function apiPath(segments: readonly string[]): string | null {
  if (segments.length === 0 || !segments.every(safeSegment)) return null;
  const path = `${API_PREFIX}/${segments.map(encodeURIComponent).join("/")}`;
  // Belt and braces: what the URL parser makes of it must still sit under the prefix.
  const parsed = new URL(path, "http://api.invalid").pathname;
  return parsed === path && parsed.startsWith(`${API_PREFIX}/`) ? path : null;
}

/** For `/api/<segments>`: only `/api/v1/...` is proxied. */
export function passThroughPath(segments: readonly string[]): string | null {
  if (segments[0] !== "v1") return null;
  return apiPath(segments.slice(1));
}

/** Route segments from a raw request path, percent-decoded (for tests and the legacy callers). */
export function segmentsOf(pathname: string, prefix: string): string[] | null {
  if (!pathname.startsWith(`${prefix}/`)) return null;
  try {
    return pathname.slice(prefix.length + 1).split("/").map(decodeURIComponent);
  } catch {
    return null;
  }
}
