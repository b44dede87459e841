/** A message as the visitor API lists and streams it. */
export interface ApiMessage {
  id: string;
  clientMessageId: string | null;
  from: 'visitor' | 'agent';
  text: string | null;
  sentAt: string;
  /** Files: `url` is a path of this API (fetched with the session token) for the files we keep. */
  attachments?: ApiAttachment[];
  /** The message asks for a satisfaction rating: waiting for one, or rated. */
  survey?: 'waiting' | 'rated' | null;
}

export interface ApiAttachment {
  type: string;
  url?: string;
  name?: string;
  mimeType?: string;
  size?: number;
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

function failed(res: Response, data: { message?: string; code?: string } | null): ApiError {
  const err: ApiError = new Error((data && data.message) || 'HTTP ' + res.status);
  err.status = res.status;
  err.code = data ? data.code : undefined;
  return err;
}

/** Uploads one file of the visitor's (multipart; the browser frames it and says its length). */
export function uploadFile(api: string, token: string, file: File): Promise<{ id: string; fileName: string }> {
  const form = new FormData();
  form.append('file', file, file.name);
  return fetch(api + '/uploads', { method: 'POST', headers: { Authorization: 'Bearer ' + token }, body: form, mode: 'cors', credentials: 'omit' }).then(
    function (res) {
      return res.text().then(function (text) {
        let data = null;
        try {
          data = text ? JSON.parse(text) : null;
        } catch (e) {
          /* not JSON */
        }
        if (!res.ok) throw failed(res, data);
        return data;
      });
    },
  );
}

/** A file we keep, fetched with the session token (an <img src> could not send it): a blob: URL of this page. */
export function fileUrl(api: string, token: string, path: string): Promise<string> {
  return fetch(new URL(api).origin + path, { headers: { Authorization: 'Bearer ' + token }, mode: 'cors', credentials: 'omit' }).then(function (res) {
    if (!res.ok) throw failed(res, null);
    return res.blob().then(function (blob) {
      return URL.createObjectURL(blob);
    });
  });
}
