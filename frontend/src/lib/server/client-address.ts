/**
 * The client address the web app reports to the API, computed here and nowhere else.
 *
 * The socket peer is what the web app saw itself (recorded by `peer.ts`). `X-Forwarded-For` is
 * honoured only when that peer is a trusted proxy listed in `FORWARDED_ALLOW_IPS` (same name and
 * meaning as the API's: comma-separated IPs or CIDRs, default `127.0.0.1`, `*` trusts all): the
 * list is walked from the right and the first address that is not a trusted proxy is the client.
 * The API then gets exactly one `X-Forwarded-For: <client>`; whatever the browser sent is dropped
 * (issue 10: a fresh header on each try bypassed the login limit).
 */

import { BlockList, isIP } from "node:net";

export interface TrustedProxies {
  all: boolean;
  list: BlockList;
}

const DEFAULT_TRUSTED = "127.0.0.1";

/** "::ffff:10.0.0.1" -> "10.0.0.1"; "[::1]" -> "::1"; anything that is not an IP -> null. */
export function normaliseAddress(raw: string | null | undefined): string | null {
  if (!raw) return null;
  let value = raw.trim();
  if (value.startsWith("[") && value.includes("]")) value = value.slice(1, value.indexOf("]"));
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(value);
  if (mapped?.[1]) value = mapped[1];
  return isIP(value) ? value.toLowerCase() : null;
}

export function parseTrustedProxies(setting: string | undefined = process.env["FORWARDED_ALLOW_IPS"]): TrustedProxies {
  const list = new BlockList();
  let all = false;
  const entries = (setting ?? DEFAULT_TRUSTED).split(",").map((entry) => entry.trim()).filter(Boolean);
  for (const entry of entries) {
    if (entry === "*") {
      all = true;
      continue;
    }
    const [address, prefix] = entry.split("/");
    const ip = normaliseAddress(address);
    if (!ip) continue; // a name or a typo trusts nothing
    const family = isIP(ip) === 6 ? "ipv6" : "ipv4";
    if (prefix === undefined) {
      list.addAddress(ip, family);
    } else {
      const bits = Number(prefix);
      const max = family === "ipv6" ? 128 : 32;
      if (/^\d+$/.test(prefix) && bits >= 0 && bits <= max) list.addSubnet(ip, bits, family);
    }
  }
  return { all, list };
}

export function isTrusted(address: string, trusted: TrustedProxies): boolean {
  if (trusted.all) return true;
  return trusted.list.check(address, isIP(address) === 6 ? "ipv6" : "ipv4");
}

/**
 * The client of a request whose socket peer is `peer` and whose (possibly absent, possibly
 * repeated) `X-Forwarded-For` values are `forwarded`. Null when the peer is unknown.
 */
export function clientAddress(peer: string | null, forwarded: string | null, trusted: TrustedProxies): string | null {
  let current = normaliseAddress(peer);
  if (!current) return null;
  if (!forwarded) return current;
  const hops = forwarded.split(",");
  // Walk right to left while the hop we are at is a trusted proxy vouching for the one before.
  while (isTrusted(current, trusted)) {
    const next = hops.pop();
    if (next === undefined) break;
    const address = normaliseAddress(next);
    if (!address) break; // a trusted proxy passed on garbage: the last address we know stands
    current = address;
  }
  return current;
}
