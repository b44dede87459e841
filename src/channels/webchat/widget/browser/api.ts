/** A message as the visitor API lists and streams it. */
export interface ApiMessage {
  id: string;
  clientMessageId: string | null;
  from: 'visitor' | 'agent';
  text: string | null;
  sentAt: string;
  /** The message asks for a satisfaction rating: waiting for one, or rated. */
  survey?: 'waiting' | 'rated' | null;
}

/** A failed API call: the HTTP status (absent for a network or CORS failure) and the API's code. */
export interface ApiError extends Error {
  status?: number;
  code?: string;
}

export type ApiRequest = <T>(method: string, path: string, body?: object) => Promise<T>;

/** Calls the visitor API as the session `token()` names (none before one is started); JSON both ways. */
export function apiClient(api: string, token: () => string | null): ApiRequest {
  return function <T>(method: string, path: string, body?: object): Promise<T> {
    const headers: Record<string, string> = {};
    const t = token();
    if (t) headers['Authorization'] = 'Bearer ' + t;
    if (body) headers['Content-Type'] = 'application/json';
    return fetch(api + path, {
      method: method,
      headers: headers,
      body: body ? JSON.stringify(body) : undefined,
      mode: 'cors',
      credentials: 'omit',
      cache: 'no-store',
    }).then(function (res) {
      return res.text().then(function (text) {
        let data: { message?: string; code?: string } | null = null;
        try {
          data = text ? JSON.parse(text) : null;
        } catch (e) {
          /* not JSON */
        }
        if (!res.ok) {
          const err: ApiError = new Error((data && data.message) || 'HTTP ' + res.status);
          err.status = res.status;
          err.code = data ? data.code : undefined;
          throw err;
        }
        return data as T;
      });
    });
  };
}
