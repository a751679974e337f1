// Runs once per server process before any request (Next.js instrumentation hook).
export async function register() {
  if (process.env["NEXT_RUNTIME"] === "nodejs") {
    const { installPeerHook } = await import("@/lib/server/peer");
    await installPeerHook();
  }
}
