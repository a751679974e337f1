// The browser's data path: /bff/<rest> -> <API>/api/v1/<rest>, authenticated by the session
// cookie. Under a path the Ingress sends to the frontend, so it works with or without an Ingress.
import { proxyToApi } from "@/lib/server/proxy";

export const dynamic = "force-dynamic";

function handle(request: Request) {
  const rest = new URL(request.url).pathname.replace(/^\/bff/, "");
  return proxyToApi(request, `/api/v1${rest}`, { requireSession: true });
}

export { handle as GET, handle as POST, handle as PUT, handle as PATCH, handle as DELETE };
