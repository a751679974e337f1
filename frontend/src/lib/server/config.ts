/** Server-side settings, read on every call so a ConfigMap change needs no rebuild. */

const DEFAULT_API_URL = "http://api:8000";

export function apiBaseUrl(): string {
  const configured = process.env["API_INTERNAL_URL"]?.trim();
  return (configured || DEFAULT_API_URL).replace(/\/+$/, "");
}

/** Chat turns may wait on the model (30 s timeout, one retry) before the API falls back to demo. */
export function upstreamTimeoutMs(): number {
  const configured = Number(process.env["API_TIMEOUT_MS"]);
  return Number.isFinite(configured) && configured > 0 ? configured : 75_000;
}
