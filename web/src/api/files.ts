import { ApiError } from './client';
import { freshAccessToken } from './refresh';

/** A file uploaded for a reply: its id goes in the message's attachments. */
export interface UploadedFile {
  id: string;
  fileName: string;
  mimeType: string;
  size: number;
}

async function authorized(path: string, init: RequestInit = {}): Promise<Response> {
  const token = await freshAccessToken();
  const res = await fetch(path, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
    throw new ApiError(res.status, body.code ?? `HTTP_${res.status}`, body.message ?? res.statusText);
  }
  return res;
}

/** Uploads a file for `channelId` (its platform's limits apply at once). */
export async function uploadFile(file: File, channelId: string): Promise<UploadedFile> {
  const form = new FormData();
  form.append('file', file, file.name);
  const res = await authorized(`/api/uploads?channelId=${encodeURIComponent(channelId)}`, { method: 'POST', body: form });
  return (await res.json()) as UploadedFile;
}

/**
 * A stored attachment's bytes as a blob: URL of this page (the API wants the session's token,
 * which an <img src> or a plain link cannot send). Each is fetched once.
 */
const blobUrls = new Map<string, Promise<string>>();
export function attachmentUrl(conversationId: string, messageId: string, index: number): Promise<string> {
  const path = `/api/conversations/${conversationId}/messages/${messageId}/attachments/${index}`;
  let url = blobUrls.get(path);
  if (!url) {
    url = authorized(path).then(async (res) => URL.createObjectURL(await res.blob()));
    url.catch(() => blobUrls.delete(path));
    blobUrls.set(path, url);
  }
  return url;
}
