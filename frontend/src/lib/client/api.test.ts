import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUpstream, type Upstream } from "@/test/upstream";
import { ApiError, errorFromNetwork, errorFromResponse, parseDetail, request } from "./api";

describe("parseDetail", () => {
  it("keeps a plain string detail as the message", () => {
    expect(parseDetail("Email already registered.")).toEqual({ message: "Email already registered.", fields: {} });
  });

  it("maps FastAPI's list detail onto fields by the last loc name", () => {
    const detail = [
      { loc: ["body", "email"], msg: "value is not a valid email address", type: "value_error" },
      { loc: ["body", "password"], msg: "Value error, This password is too common", type: "value_error" },
      { loc: ["body", "password"], msg: "second message is ignored", type: "x" },
      { loc: ["body"], msg: "Field required", type: "missing" },
    ];
    expect(parseDetail(detail)).toEqual({
      message: "This field is required.",
      fields: {
        email: "Value is not a valid email address.",
        password: "This password is too common.",
      },
    });
  });

  it("never shows pydantic's own wording: it is replaced by plain words for its type", () => {
    const raw = (loc: string, msg: string, type: string) => parseDetail([{ loc: ["body", loc], msg, type }]).fields[loc];
    expect(raw("password", "String should have at least 12 characters", "string_too_short")).toBe("Use at least 12 characters.");
    expect(raw("title", "String should have at most 200 characters", "string_too_long")).toBe("This is too long.");
    expect(raw("password", "Field required", "missing")).toBe("Enter a password.");
    expect(raw("priority", "Input should be 'low', 'medium' or 'high'", "enum")).toBe("This value was not accepted.");
    expect(raw("email", "Input should be a valid string", "string_type")).toBe("This value was not accepted.");
  });

  it("ignores shapes it does not know", () => {
    expect(parseDetail(undefined)).toEqual({ message: null, fields: {} });
    expect(parseDetail([{ nope: 1 }, null])).toEqual({ message: null, fields: {} });
  });
});

describe("errorFromResponse", () => {
  it.each([
    [401, "unauthorized"],
    [422, "validation"],
    [400, "validation"],
    [409, "conflict"],
    [404, "not_found"],
    [429, "rate_limited"],
    [502, "unavailable"],
    [503, "unavailable"],
    [504, "unavailable"],
    [418, "other"],
  ])("maps %i to %s", (status, kind) => {
    expect(errorFromResponse(status, { detail: "x" }).kind).toBe(kind);
  });

  it("carries the 401 reason so the UI can say 'expired'", () => {
    const error = errorFromResponse(401, { detail: "Your session has expired.", reason: "expired" });
    expect(error.reason).toBe("expired");
    expect(error.message).toBe("Your session has expired.");
  });

  it("gives a useful message for a 422 that only has field errors", () => {
    const error = errorFromResponse(422, { detail: [{ loc: ["body", "title"], msg: "too short" }] });
    expect(error.fieldErrors).toEqual({ title: "Too short." });
    expect(error.message).toBe("Please correct the highlighted fields.");
  });

  it("keeps a plain-string detail (400, 409) as the general message", () => {
    const error = errorFromResponse(400, { detail: "Current password is incorrect" });
    expect(error.fieldErrors).toEqual({});
    expect(error.message).toBe("Current password is incorrect");
  });

  it("says 'unavailable' for a 5xx without a JSON body", () => {
    const error = errorFromResponse(502, null);
    expect(error.kind).toBe("unavailable");
    expect(error.message).toMatch(/unavailable/);
  });

  it("turns network failures into 'unavailable'", () => {
    expect(errorFromNetwork(new TypeError("fetch failed")).kind).toBe("unavailable");
    const original = new ApiError("conflict", "x");
    expect(errorFromNetwork(original)).toBe(original);
  });
});

describe("request", () => {
  let server: Upstream;
  beforeAll(async () => {
    server = await startUpstream();
  });
  afterAll(async () => {
    await server.close();
  });

  it("sends JSON and returns the parsed answer", async () => {
    server.reply({ status: 200, body: { id: 1 } });
    await expect(request(`${server.url}/bff/tasks`, { method: "POST", body: { title: "t" } })).resolves.toEqual({ id: 1 });
    const last = server.received.at(-1);
    expect(last?.headers["content-type"]).toBe("application/json");
    expect(last?.body).toBe('{"title":"t"}');
  });

  it("returns undefined for 204", async () => {
    server.reply({ status: 204 });
    await expect(request(`${server.url}/bff/tasks/1`, { method: "DELETE" })).resolves.toBeUndefined();
  });

  it("throws a mapped ApiError on failure", async () => {
    server.reply({ status: 409, body: { detail: "Email already registered." } });
    await expect(request(`${server.url}/session/signup`, { method: "POST", body: {} })).rejects.toMatchObject({
      kind: "conflict",
      message: "Email already registered.",
      status: 409,
    });
  });

  it("throws 'unavailable' when nothing listens", async () => {
    await expect(request("http://127.0.0.1:1/bff/tasks")).rejects.toMatchObject({ kind: "unavailable" });
  });
});
