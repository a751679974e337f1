import { proxyToApi } from "@/lib/server/proxy";

export const dynamic = "force-dynamic";

export function GET(request: Request) {
  return proxyToApi(request, "/api/v1/auth/me", { requireSession: true });
}
