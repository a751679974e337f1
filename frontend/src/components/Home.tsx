"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { ApiError, request } from "@/lib/client/api";
import type { User } from "@/lib/client/types";
import Banner from "./Banner";
import Workspace from "./Workspace";

/** Decides between "signed in" (the workspace) and "go to sign-in", from the browser. */
export default function Home() {
  const router = useRouter();
  const [user, setUser] = useState<User | null>(null);
  const [unavailable, setUnavailable] = useState(false);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let cancelled = false;
    request<User>("/session/me")
      .then((me) => {
        if (!cancelled) {
          setUnavailable(false);
          setUser(me);
        }
      })
      .catch((error: unknown) => {
        if (cancelled) return;
        if (error instanceof ApiError && error.kind === "unauthorized") {
          router.replace(error.reason === "expired" ? "/signin?reason=expired" : "/signin");
        } else {
          setUnavailable(true);
        }
      });
    return () => {
      cancelled = true;
    };
  }, [router, attempt]);

  if (user) return <Workspace user={user} />;
  return (
    <main className="loading-page">
      {unavailable ? <Banner onRetry={() => setAttempt((n) => n + 1)} /> : null}
      <p className="brand">Pakaura</p>
      {unavailable ? null : <p aria-live="polite">Loading your workspace…</p>}
    </main>
  );
}
