import { authenticate } from "@/lib/server/auth";

export const dynamic = "force-dynamic";

/** Change the password: the API answers with a fresh token (older ones are revoked), which
 * replaces the cookie. */
export function POST(request: Request) {
  return authenticate(request, "password");
}
