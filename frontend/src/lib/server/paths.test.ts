import { describe, expect, it } from "vitest";
import { apiPath, passThroughPath, safeSegment, segmentsOf } from "./paths";

describe("proxied paths stay under /api/v1", () => {
  it("rebuilds ordinary paths, percent-encoding each segment", () => {
    expect(apiPath(["tasks"])).toBe("/api/v1/tasks");
    expect(apiPath(["tasks", "12", "restore"])).toBe("/api/v1/tasks/12/restore");
    expect(apiPath(["conversations", "a b"])).toBe("/api/v1/conversations/a%20b");
  });

  it.each([
    ["/bff/%2e%2e/%2e%2e/api/docs"],
    ["/bff/%2E%2E/openapi.json"],
    ["/bff/../api/docs"],
    ["/bff/./tasks"],
    ["/bff/tasks%2f..%2f..%2fdocs"],
    ["/bff/tasks%5c..%5cdocs"],
    ["/bff//tasks"],
    ["/bff/tasks/%00"],
  ])("refuses %s", (raw) => {
    const segments = segmentsOf(raw, "/bff");
    expect(segments).not.toBeNull();
    expect(apiPath(segments ?? [])).toBeNull();
  });

  it("refuses segments that decode to separators or dots, and the empty path", () => {
    for (const bad of ["", ".", "..", "a/b", "a\\b", "x\u0000"]) expect(safeSegment(bad)).toBe(false);
    expect(apiPath([])).toBeNull();
    // A literal percent sign is just a character: it is encoded again, never decoded twice.
    expect(apiPath(["%2e%2e"])).toBe("/api/v1/%252e%252e");
  });

  it("lets /api/* through only for /api/v1/*", () => {
    expect(passThroughPath(["v1", "auth", "login"])).toBe("/api/v1/auth/login");
    expect(passThroughPath(["docs"])).toBeNull();
    expect(passThroughPath(["openapi.json"])).toBeNull();
    expect(passThroughPath(["v1"])).toBeNull();
    expect(passThroughPath(["v1", "..", "docs"])).toBeNull();
    expect(passThroughPath(["v2", "tasks"])).toBeNull();
  });

  it("gives null for malformed escapes and foreign prefixes", () => {
    expect(segmentsOf("/bff/%E0%A4%A", "/bff")).toBeNull();
    expect(segmentsOf("/other/x", "/bff")).toBeNull();
  });
});
