// The one typed door from the UI to Doppel's REST API (/api/v1). The desktop
// window and the browser both reach the same Go handler through it.

/** An error answered by the API, with its HTTP status and message. */
export class ApiError extends Error {
  constructor(
    public readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

const TOKEN_KEY = "doppel.token";

/** Fired on window when the server asks for a (new) bearer token. */
export const UNAUTHORIZED_EVENT = "doppel:unauthorized";

/** The bearer token for servers started with --token (kept in localStorage). */
export function getToken(): string {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? "";
  } catch {
    return "";
  }
}

export function setToken(token: string): void {
  localStorage.setItem(TOKEN_KEY, token);
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Calls the API and decodes JSON; throws ApiError with the server's message. */
export async function request<T>(method: Method, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, `cannot reach Doppel at ${path}: ${String(e)}`);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      throw new ApiError(res.status, `${method} ${path}: not JSON (${res.status})`);
    }
  }
  if (res.status === 401) window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
  if (!res.ok) {
    const msg = isErrorBody(data) ? data.error : `${method} ${path} failed with ${res.status}`;
    throw new ApiError(res.status, msg);
  }
  return data as T;
}

function isErrorBody(v: unknown): v is { error: string } {
  return typeof v === "object" && v !== null && typeof (v as { error?: unknown }).error === "string";
}

/** Opens an SSE stream (with the token as a query parameter when set). */
export function eventSource(path: string): EventSource {
  const token = getToken();
  const url = token ? `${path}${path.includes("?") ? "&" : "?"}access_token=${encodeURIComponent(token)}` : path;
  return new EventSource(url);
}
