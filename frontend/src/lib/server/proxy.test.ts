import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fakeJwt, startUpstream, type Upstream } from "@/test/upstream";
import { authenticate, signOut } from "./auth";
import { installPeerHook, PEER_HEADER } from "./peer";
import { MESSAGES, proxyToApi } from "./proxy";

let api: Upstream;
const live = fakeJwt(Math.floor(Date.now() / 1000) + 3600);
const expired = fakeJwt(Math.floor(Date.now() / 1000) - 10);

beforeAll(async () => {
  await installPeerHook();
  api = await startUpstream();
});
afterAll(async () => {
  await api.close();
});
beforeEach(() => {
  api.received.length = 0;
  api.reply({ status: 200, body: { ok: true } });
});

function browserRequest(path: string, init: RequestInit & { cookie?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.cookie) headers.set("cookie", init.cookie);
  return new Request(`http://frontend.test${path}`, { ...init, headers });
}

describe("proxyToApi", () => {
  it("turns the session cookie into a bearer token and forwards method, body and query", async () => {
    api.reply({ status: 201, body: { id: 7 } });
    const request = browserRequest("/bff/tasks?status=pending", {
      method: "POST",
      cookie: `other=1; pakaura_session=${live}`,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "x" }),
    });
    const response = await proxyToApi(request, "/api/v1/tasks", { requireSession: true, apiBase: api.url });

    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ id: 7 });
    const [seen] = api.received;
    expect(seen?.method).toBe("POST");
    expect(seen?.url).toBe("/api/v1/tasks?status=pending");
    expect(seen?.body).toBe('{"title":"x"}');
    expect(seen?.headers["authorization"]).toBe(`Bearer ${live}`);
    expect(seen?.headers["content-type"]).toBe("application/json");
    // The browser's cookies never reach the API.
    expect(seen?.headers["cookie"]).toBeUndefined();
  });

  it("never relays upstream cookies and marks answers uncacheable", async () => {
    api.reply({ status: 200, body: [], headers: { "set-cookie": "evil=1", "x-internal": "secret" } });
    const response = await proxyToApi(browserRequest("/bff/tasks", { cookie: `pakaura_session=${live}` }), "/api/v1/tasks", {
      requireSession: true,
      apiBase: api.url,
    });
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(response.headers.get("x-internal")).toBeNull();
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("answers 401 signed_out without calling the API when there is no session", async () => {
    const response = await proxyToApi(browserRequest("/bff/tasks"), "/api/v1/tasks", { requireSession: true, apiBase: api.url });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ detail: MESSAGES.signedOut, reason: "signed_out" });
    expect(api.received).toHaveLength(0);
  });

  it("answers 401 expired and clears the cookie for an expired token", async () => {
    const response = await proxyToApi(browserRequest("/bff/tasks", { cookie: `pakaura_session=${expired}` }), "/api/v1/tasks", {
      requireSession: true,
      apiBase: api.url,
    });
    expect(response.status).toBe(401);
    expect((await response.json()).reason).toBe("expired");
    expect(response.headers.get("set-cookie")).toMatch(/^pakaura_session=; .*Max-Age=0/);
    expect(api.received).toHaveLength(0);
  });

  it("treats the API refusing the token as an expired session", async () => {
    api.reply({ status: 401, body: { detail: "Could not validate credentials" } });
    const response = await proxyToApi(browserRequest("/bff/tasks", { cookie: `pakaura_session=${live}` }), "/api/v1/tasks", {
      requireSession: true,
      apiBase: api.url,
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ detail: MESSAGES.expired, reason: "expired" });
    expect(response.headers.get("set-cookie")).toContain("Max-Age=0");
  });

  it("passes the API's own 401 through on the generic /api route", async () => {
    api.reply({ status: 401, body: { detail: "Invalid email or password." } });
    const response = await proxyToApi(
      browserRequest("/api/v1/auth/login", { method: "POST", body: "{}", cookie: `pakaura_session=${live}` }),
      "/api/v1/auth/login",
      { requireSession: false, apiBase: api.url },
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ detail: "Invalid email or password." });
    expect(response.headers.get("set-cookie")).toBeNull();
  });

  it("prefers an explicit Authorization header over the cookie", async () => {
    await proxyToApi(
      browserRequest("/api/v1/auth/me", { headers: { authorization: "Bearer explicit" }, cookie: `pakaura_session=${live}` }),
      "/api/v1/auth/me",
      { requireSession: false, apiBase: api.url },
    );
    expect(api.received[0]?.headers["authorization"]).toBe("Bearer explicit");
  });

  it("relays 204 with no body", async () => {
    api.reply({ status: 204 });
    const response = await proxyToApi(
      browserRequest("/bff/tasks/3", { method: "DELETE", cookie: `pakaura_session=${live}` }),
      "/api/v1/tasks/3",
      { requireSession: true, apiBase: api.url },
    );
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
    expect(api.received[0]?.method).toBe("DELETE");
  });

  it("says 503 unavailable when the API cannot be reached", async () => {
    const response = await proxyToApi(browserRequest("/bff/tasks", { cookie: `pakaura_session=${live}` }), "/api/v1/tasks", {
      requireSession: true,
      apiBase: "http://127.0.0.1:1",
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ detail: MESSAGES.unavailable });
  });

  it("refuses cross-site writes", async () => {
    const response = await proxyToApi(
      browserRequest("/bff/tasks", { method: "POST", body: "{}", headers: { "sec-fetch-site": "cross-site" }, cookie: `pakaura_session=${live}` }),
      "/api/v1/tasks",
      { requireSession: true, apiBase: api.url },
    );
    expect(response.status).toBe(403);
    expect(api.received).toHaveLength(0);
  });
});

describe("authenticate", () => {
  it("keeps the token in an HttpOnly cookie and out of the response body", async () => {
    api.reply({ status: 201, body: { access_token: live, token_type: "bearer", user: { id: 1, email: "a@b.c", name: null } } });
    const request = browserRequest("/session/signup", {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-proto": "https" },
      body: JSON.stringify({ email: "a@b.c", password: "pw" }),
    });
    const response = await authenticate(request, "signup", api.url);
    expect(response.status).toBe(201);
    const text = await response.text();
    expect(text).not.toContain(live);
    expect(JSON.parse(text)).toEqual({ user: { id: 1, email: "a@b.c", name: null } });
    const cookie = response.headers.get("set-cookie") ?? "";
    expect(cookie).toContain(`pakaura_session=${live}`);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
    expect(cookie).toContain("Secure");
    expect(api.received[0]?.url).toBe("/api/v1/auth/signup");
    expect(api.received[0]?.body).toBe('{"email":"a@b.c","password":"pw"}');
  });

  it("relays the API's error without setting a cookie", async () => {
    api.reply({ status: 409, body: { detail: "Email already registered." } });
    const response = await authenticate(browserRequest("/session/signup", { method: "POST", body: "{}" }), "signup", api.url);
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ detail: "Email already registered." });
    expect(response.headers.get("set-cookie")).toBeNull();
  });

  it("says 503 when the API is down", async () => {
    const response = await authenticate(browserRequest("/session/login", { method: "POST", body: "{}" }), "login", "http://127.0.0.1:1");
    expect(response.status).toBe(503);
  });
});

describe("hardening", () => {
  const session = `pakaura_session=${live}`;

  it("sends the API one X-Forwarded-For it computed, never the browser's", async () => {
    // A browser straight on the web app (peer not a trusted proxy): its header is ignored.
    await proxyToApi(
      browserRequest("/bff/tasks", { cookie: session, headers: { "x-forwarded-for": "6.6.6.6, 7.7.7.7", [PEER_HEADER]: "203.0.113.9" } }),
      "/api/v1/tasks",
      { requireSession: true, apiBase: api.url },
    );
    expect(api.received.at(-1)?.headers["x-forwarded-for"]).toBe("203.0.113.9");
    // Behind a trusted proxy (default FORWARDED_ALLOW_IPS=127.0.0.1): the right-most entry.
    await proxyToApi(
      browserRequest("/bff/tasks", { cookie: session, headers: { "x-forwarded-for": "6.6.6.6, 198.51.100.7", [PEER_HEADER]: "127.0.0.1" } }),
      "/api/v1/tasks",
      { requireSession: true, apiBase: api.url },
    );
    expect(api.received.at(-1)?.headers["x-forwarded-for"]).toBe("198.51.100.7");
  });

  it("refuses an oversized body with 413 and never calls the API", async () => {
    const big = new Uint8Array(1024 * 1024 + 1);
    for (const [path, call] of [
      ["/bff/tasks", (r: Request) => proxyToApi(r, "/api/v1/tasks", { requireSession: true, apiBase: api.url })],
      ["/session/login", (r: Request) => authenticate(r, "login", api.url)],
      ["/session/password", (r: Request) => authenticate(r, "password", api.url)],
      ["/session/logout", (r: Request) => signOut(r, api.url)],
    ] as const) {
      const response = await call(browserRequest(path, { method: "POST", cookie: session, body: big }));
      expect(response.status, path).toBe(413);
      expect(await response.json()).toEqual({ detail: MESSAGES.tooLarge });
    }
    expect(api.received).toHaveLength(0);
  });

  it("answers 404 for a path outside /api/v1 without calling the API", async () => {
    const response = await proxyToApi(browserRequest("/bff/x", { cookie: session }), null, { requireSession: true, apiBase: api.url });
    expect(response.status).toBe(404);
    expect(api.received).toHaveLength(0);
  });

  it("relays the paging headers", async () => {
    api.reply({ status: 200, body: [], headers: { "x-next-offset": "100", "x-next-before": "42" } });
    const response = await proxyToApi(browserRequest("/bff/tasks", { cookie: session }), "/api/v1/tasks", { requireSession: true, apiBase: api.url });
    expect(response.headers.get("x-next-offset")).toBe("100");
    expect(response.headers.get("x-next-before")).toBe("42");
  });

  it("streams server-sent events as they come, unbuffered", async () => {
    api.reply({
      status: 200,
      headers: { "content-type": "text/event-stream" },
      chunks: ['event: meta\ndata: {"conversation_id":1,"mode":"demo"}\n\n', 'event: delta\ndata: {"text":"Hi"}\n\n', "event: done\ndata: {}\n\n"],
      delayMs: 300,
    });
    const started = Date.now();
    const response = await proxyToApi(
      browserRequest("/bff/chat/stream", { method: "POST", cookie: session, body: '{"message":"hi"}' }),
      "/api/v1/chat/stream",
      { requireSession: true, apiBase: api.url },
    );
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect(response.headers.get("cache-control")).toContain("no-transform");
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain("event: meta");
    expect(Date.now() - started).toBeLessThan(250); // before the upstream has finished (600 ms)
    await reader.cancel();
  });

  it("signs out at the API, then clears the cookie (even when the API is down)", async () => {
    api.reply({ status: 204 });
    const response = await signOut(browserRequest("/session/logout", { method: "POST", cookie: session }), api.url);
    expect(response.status).toBe(204);
    expect(response.headers.get("set-cookie")).toContain("Max-Age=0");
    expect(api.received[0]?.url).toBe("/api/v1/auth/logout");
    expect(api.received[0]?.headers["authorization"]).toBe(`Bearer ${live}`);
    const offline = await signOut(browserRequest("/session/logout", { method: "POST", cookie: session }), "http://127.0.0.1:1");
    expect(offline.status).toBe(204);
    expect(offline.headers.get("set-cookie")).toContain("Max-Age=0");
  });

  it("changes the password with the session's token and stores the fresh token", async () => {
    const fresh = fakeJwt(Math.floor(Date.now() / 1000) + 7200);
    api.reply({ status: 200, body: { access_token: fresh, token_type: "bearer", user: { id: 1, email: "a@b.c", name: null } } });
    const body = JSON.stringify({ current_password: "old-password-123", new_password: "a much better passphrase" });
    const response = await authenticate(browserRequest("/session/password", { method: "POST", cookie: session, body }), "password", api.url);
    expect(response.status).toBe(200);
    expect(response.headers.get("set-cookie")).toContain(`pakaura_session=${fresh}`);
    expect(api.received[0]?.url).toBe("/api/v1/auth/password");
    expect(api.received[0]?.headers["authorization"]).toBe(`Bearer ${live}`);
    expect(api.received[0]?.body).toBe(body);

    api.reply({ status: 400, body: { detail: "Current password is incorrect" } });
    const wrong = await authenticate(browserRequest("/session/password", { method: "POST", cookie: session, body }), "password", api.url);
    expect(wrong.status).toBe(400);
    expect(wrong.headers.get("set-cookie")).toBeNull();

    const signedOut = await authenticate(browserRequest("/session/password", { method: "POST", body }), "password", api.url);
    expect(signedOut.status).toBe(401);
  });
});
