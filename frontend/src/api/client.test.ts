import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, request, setToken } from "./client";

afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
});

function stubFetch(status: number, body: string) {
  const fn = vi.fn(async (_url: string, _init?: RequestInit) => new Response(status === 204 ? null : body, { status }));
  vi.stubGlobal("fetch", fn);
  return fn;
}

describe("request", () => {
  it("decodes JSON on success and sends the body", async () => {
    const fn = stubFetch(200, '{"ok":true}');
    await expect(request<{ ok: boolean }>("POST", "/api/v1/x", { a: 1 })).resolves.toEqual({ ok: true });
    const init = fn.mock.calls[0]?.[1];
    expect(init?.body).toBe('{"a":1}');
    expect((init?.headers as Record<string, string>)["Content-Type"]).toBe("application/json");
  });
  it("throws the server's error message with its status", async () => {
    stubFetch(400, '{"error":"import /x.gguf: not a GGUF file"}');
    const err = await request("POST", "/api/v1/models/import", {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    expect((err as ApiError).message).toBe("import /x.gguf: not a GGUF file");
  });
  it("reports a non-JSON answer clearly", async () => {
    stubFetch(502, "<html>bad gateway</html>");
    await expect(request("GET", "/api/v1/status")).rejects.toThrow(/not JSON \(502\)/);
  });
  it("sends the bearer token when one is stored", async () => {
    setToken("t0k");
    const fn = stubFetch(204, "");
    await request("DELETE", "/api/v1/models/a");
    expect((fn.mock.calls[0]?.[1]?.headers as Record<string, string>).Authorization).toBe("Bearer t0k");
  });
});
