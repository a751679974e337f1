/**
 * The browser's only way to talk to the backend: same-origin `/session/*` and `/bff/*` (never
 * `/api/*`, which an Ingress may route straight to the API where the cookie means nothing).
 * Every failure becomes an ApiError with a kind the UI can act on.
 */

export type ErrorKind =
  | "unauthorized"
  | "unavailable"
  | "validation"
  | "conflict"
  | "not_found"
  | "rate_limited"
  | "other";

export class ApiError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly status: number | null = null,
    /** Messages keyed by the request field they belong to (from FastAPI's 422 list). */
    readonly fieldErrors: Readonly<Record<string, string>> = {},
    /** For 401: "expired" when a session existed, "signed_out" when there was none. */
    readonly reason: string | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

const UNAVAILABLE = "The Pakaura service is unavailable right now. Please try again in a moment.";

interface ValidationItem {
  loc?: unknown;
  msg?: unknown;
  type?: unknown;
}

/** The password rule, as the sign-up form states it before anyone types (same as the API's). */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_RULE =
  `At least ${PASSWORD_MIN_LENGTH} characters. Common passwords and simple patterns (like “password123” or “qwertyuiop”) are refused: a few unrelated words make a strong one.`;

function sentence(message: string): string {
  const trimmed = message.trim();
  if (!trimmed) return trimmed;
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/**
 * One FastAPI 422 item in plain words. Pydantic's own wording ("String should have at least 12
 * characters", "Input should be a valid string") never reaches the user: it is replaced by its
 * `type`; the API's own checks (`value_error`) already read as sentences ("Value error, " off).
 */
export function plainMessage(field: string | null, item: { msg: string; type?: unknown }): string {
  const type = typeof item.type === "string" ? item.type : "";
  if (type === "value_error") return sentence(item.msg.replace(/^Value error,\s*/i, ""));
  if (type === "missing") return field === "password" ? "Enter a password." : "This field is required.";
  if (type === "string_too_short") {
    return field === "password" ? `Use at least ${PASSWORD_MIN_LENGTH} characters.` : "This is too short.";
  }
  if (type === "string_too_long") return "This is too long.";
  if (type.endsWith("_type") || type.endsWith("_parsing") || type === "enum") return "This value was not accepted.";
  if (!type) return sentence(item.msg.replace(/^Value error,\s*/i, ""));
  return field === "password" ? "Choose a different password." : "This value was not accepted.";
}

function fieldOf(loc: unknown): string | null {
  if (!Array.isArray(loc)) return null;
  const names = loc.filter((part): part is string => typeof part === "string" && part !== "body");
  return names.at(-1) ?? null;
}

/** `detail` is a string (our API's errors) or a list of {loc, msg} (FastAPI's 422). */
export function parseDetail(detail: unknown): { message: string | null; fields: Record<string, string> } {
  if (typeof detail === "string") return { message: detail, fields: {} };
  if (!Array.isArray(detail)) return { message: null, fields: {} };
  const fields: Record<string, string> = {};
  const general: string[] = [];
  for (const item of detail as ValidationItem[]) {
    if (!item || typeof item.msg !== "string") continue;
    const field = fieldOf(item.loc);
    const message = plainMessage(field, { msg: item.msg, type: item.type });
    if (field && !(field in fields)) fields[field] = message;
    else if (!field) general.push(message);
  }
  const message = general.length > 0 ? general.join(" ") : null;
  return { message, fields };
}

export function errorFromResponse(status: number, body: unknown): ApiError {
  const record = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  const { message, fields } = parseDetail(record["detail"]);
  const reason = typeof record["reason"] === "string" ? record["reason"] : null;
  if (status === 401) {
    return new ApiError("unauthorized", message ?? "Please sign in.", status, {}, reason);
  }
  if (status === 422 || status === 400 || status === 413) {
    const summary = message ?? (Object.keys(fields).length ? "Please correct the highlighted fields." : "The request was not valid.");
    return new ApiError("validation", summary, status, fields);
  }
  if (status === 409) return new ApiError("conflict", message ?? "That already exists.", status);
  if (status === 404) return new ApiError("not_found", message ?? "Not found.", status);
  if (status === 429) {
    return new ApiError("rate_limited", message ?? "Too many requests. Please wait a moment.", status);
  }
  // 5xx and proxy errors mean the service (or the path to it) is down: say so, not "bug".
  if (status >= 500) return new ApiError("unavailable", message ?? UNAVAILABLE, status);
  return new ApiError("other", message ?? `Request failed (${status}).`, status);
}

export function errorFromNetwork(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError("unavailable", UNAVAILABLE);
}

export interface CallInit {
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
}

/** The answer's body and headers (for the paging headers X-Next-Offset / X-Next-Before). */
export async function requestWithHeaders<T>(path: string, init: CallInit = {}): Promise<{ data: T; headers: Headers }> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method ?? "GET",
      headers: init.body === undefined ? { accept: "application/json" } : {
        accept: "application/json",
        "content-type": "application/json",
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      credentials: "same-origin",
      cache: "no-store",
      signal: init.signal,
    });
  } catch (error) {
    throw errorFromNetwork(error);
  }
  if (response.status === 204) return { data: undefined as T, headers: response.headers };
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null; // e.g. an HTML error page from a proxy in between
  }
  if (!response.ok) throw errorFromResponse(response.status, body);
  return { data: body as T, headers: response.headers };
}

export async function request<T>(path: string, init: CallInit = {}): Promise<T> {
  return (await requestWithHeaders<T>(path, init)).data;
}
