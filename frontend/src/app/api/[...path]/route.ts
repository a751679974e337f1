// Without an Ingress (`minikube service frontend`, `npm run dev`), /api/* on the frontend origin
// still reaches the API, with the session cookie turned into a bearer token. Behind the Ingress
// /api goes to the API directly and this handler is never hit.
import { proxyToApi } from "@/lib/server/proxy";

export const dynamic = "force-dynamic";

function handle(request: Request) {
  return proxyToApi(request, new URL(request.url).pathname, { requireSession: false });
}

export { handle as GET, handle as POST, handle as PUT, handle as PATCH, handle as DELETE };
