// Without an Ingress (`minikube service frontend`, `npm run dev`), /api/v1/* on the frontend
// origin still reaches the API, with the session cookie turned into a bearer token. Behind the
// Ingress /api goes to the API directly and this handler is never hit. Only /api/v1/<rest> is
// proxied (paths.ts); the API's docs and anything else answer 404 here.
import { passThroughPath } from "@/lib/server/paths";
import { proxyToApi } from "@/lib/server/proxy";

export const dynamic = "force-dynamic";

async function handle(request: Request, context: { params: Promise<{ path: string[] }> }) {
  const { path } = await context.params;
  return proxyToApi(request, passThroughPath(path), { requireSession: false });
}

export { handle as GET, handle as POST, handle as PUT, handle as PATCH, handle as DELETE };
