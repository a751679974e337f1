// The browser's data path: /bff/<rest> -> <API>/api/v1/<rest>, authenticated by the session
// cookie. Under a path the Ingress sends to the frontend, so it works with or without an Ingress.
// The path is rebuilt from its decoded segments (paths.ts): nothing outside /api/v1 is reachable.
import { apiPath } from "@/lib/server/paths";
import { proxyToApi } from "@/lib/server/proxy";

export const dynamic = "force-dynamic";

async function handle(request: Request, context: { params: Promise<{ path: string[] }> }) {
  const { path } = await context.params;
  return proxyToApi(request, apiPath(path), { requireSession: true });
}

export { handle as GET, handle as POST, handle as PUT, handle as PATCH, handle as DELETE };
