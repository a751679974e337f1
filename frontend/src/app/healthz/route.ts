// Readiness of the frontend process itself: never calls the API, so the API being down does not
// take the frontend out of the Service (the UI shows its own "service unavailable" banner).
export const dynamic = "force-dynamic";

export function GET() {
  return Response.json({ status: "ok" }, { headers: { "cache-control": "no-store" } });
}
