import { describe, expect, it } from "vitest";
import { clientAddress, normaliseAddress, parseTrustedProxies } from "./client-address";

const loopback = parseTrustedProxies("127.0.0.1");
const cluster = parseTrustedProxies("10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fd00::/8");

describe("client address", () => {
  it("is the socket peer when the peer is not a trusted proxy, whatever the header says", () => {
    expect(clientAddress("203.0.113.9", "6.6.6.6", loopback)).toBe("203.0.113.9");
    expect(clientAddress("127.0.0.2", "6.6.6.6", loopback)).toBe("127.0.0.2");
  });

  it("takes the right-most untrusted address behind trusted proxies", () => {
    // The browser wrote 6.6.6.6; the Ingress (10.0.0.5) appended the real client.
    expect(clientAddress("10.0.0.5", "6.6.6.6, 198.51.100.7", cluster)).toBe("198.51.100.7");
    // Two trusted hops.
    expect(clientAddress("10.0.0.5", "6.6.6.6, 198.51.100.7, 10.1.2.3", cluster)).toBe("198.51.100.7");
    expect(clientAddress("127.0.0.1", "198.51.100.7", loopback)).toBe("198.51.100.7");
  });

  it("falls back to the last known address when the chain is all trusted or garbage", () => {
    expect(clientAddress("10.0.0.5", "10.0.0.9", cluster)).toBe("10.0.0.9");
    expect(clientAddress("10.0.0.5", "not-an-ip", cluster)).toBe("10.0.0.5");
    expect(clientAddress("10.0.0.5", "", cluster)).toBe("10.0.0.5");
    expect(clientAddress("10.0.0.5", null, cluster)).toBe("10.0.0.5");
  });

  it("is unknown without a peer", () => {
    expect(clientAddress(null, "6.6.6.6", loopback)).toBeNull();
  });

  it("understands IPv6, mapped IPv4 and bracketed forms", () => {
    expect(normaliseAddress("::ffff:127.0.0.1")).toBe("127.0.0.1");
    expect(normaliseAddress("[2001:db8::1]")).toBe("2001:db8::1");
    expect(normaliseAddress("example.com")).toBeNull();
    expect(clientAddress("::ffff:127.0.0.1", "2001:db8::1", loopback)).toBe("2001:db8::1");
    expect(clientAddress("fd00::1", "2001:db8::7", cluster)).toBe("2001:db8::7");
  });

  it("reads FORWARDED_ALLOW_IPS like the API: default loopback, '*' trusts all, junk trusts nothing", () => {
    expect(clientAddress("127.0.0.1", "198.51.100.7", parseTrustedProxies(undefined))).toBe("198.51.100.7");
    expect(clientAddress("203.0.113.1", "198.51.100.7", parseTrustedProxies("*"))).toBe("198.51.100.7");
    expect(clientAddress("127.0.0.1", "198.51.100.7", parseTrustedProxies("localhost, 10.0.0.0/99"))).toBe("127.0.0.1");
  });
});
