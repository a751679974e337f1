import { describe, expect, it } from "vitest";
import { fakeJwt } from "@/test/upstream";
import {
  clearedSessionCookie,
  isSecureRequest,
  isTokenExpired,
  readSessionToken,
  sessionCookie,
  tokenExpiry,
} from "./session-cookie";

describe("session cookie", () => {
  it("reads the session token among other cookies", () => {
    const request = new Request("http://x/", { headers: { cookie: "a=1; pakaura_session=t.o.k; b=2" } });
    expect(readSessionToken(request)).toBe("t.o.k");
    expect(readSessionToken(new Request("http://x/", { headers: { cookie: "a=1" } }))).toBeNull();
    expect(readSessionToken(new Request("http://x/"))).toBeNull();
  });

  it("is HttpOnly, SameSite=Lax, path-wide, and lives a day past the token", () => {
    const now = 1_000_000;
    const cookie = sessionCookie(fakeJwt(now + 3600), false, now);
    expect(cookie).toMatch(/^pakaura_session=[^;]+; Path=\/; Max-Age=90000; HttpOnly; SameSite=Lax$/);
    expect(cookie).not.toContain("Secure");
  });

  it("is Secure only when the request came over https", () => {
    const direct = new Request("https://x/");
    const proxied = new Request("http://x/", { headers: { "x-forwarded-proto": "https" } });
    const plain = new Request("http://x/", { headers: { "x-forwarded-proto": "http" } });
    expect([isSecureRequest(direct), isSecureRequest(proxied), isSecureRequest(plain)]).toEqual([true, true, false]);
    expect(sessionCookie(fakeJwt(2e9), true)).toMatch(/; Secure$/);
  });

  it("clears with Max-Age=0", () => {
    expect(clearedSessionCookie(false)).toBe("pakaura_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
  });

  it("knows when a token has expired without verifying it", () => {
    expect(tokenExpiry(fakeJwt(1234))).toBe(1234);
    expect(tokenExpiry("not-a-jwt")).toBeNull();
    expect(isTokenExpired(fakeJwt(100), 101)).toBe(true);
    expect(isTokenExpired(fakeJwt(200), 101)).toBe(false);
    expect(isTokenExpired("opaque", 101)).toBe(false);
  });
});
