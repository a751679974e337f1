import { signOut } from "@/lib/server/auth";

export const dynamic = "force-dynamic";

export function POST(request: Request) {
  return signOut(request);
}
