import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const frontend = fileURLToPath(new URL("../../..", import.meta.url));
const openapi = fileURLToPath(new URL("../../../../docs/openapi.json", import.meta.url));

describe("generated API types", () => {
  // docs/openapi.json is the API's committed document (its own test keeps it fresh).
  it.skipIf(!existsSync(openapi))("src/lib/api/schema.d.ts is what docs/openapi.json generates", () => {
    let output = "";
    try {
      output = execFileSync(process.execPath, ["scripts/api-types.mjs", "--check"], {
        cwd: frontend,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
    } catch (error) {
      const failed = error as { stderr?: string; stdout?: string };
      expect.fail(`${failed.stderr ?? ""}${failed.stdout ?? ""}`.trim());
    }
    expect(output).toContain("up to date");
  });
});
