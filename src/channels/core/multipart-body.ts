import { randomBytes } from 'node:crypto';
import type { OutboundFile } from '../../../libs/domain/src';

/** A request body, streamed, with its length known in advance (some platforms require Content-Length). */
export interface StreamedBody {
  contentType: string;
  length: number;
  body: AsyncIterable<Uint8Array>;
}

const quoted = (s: string) => s.replace(/[\r\n"\\]/g, (c) => (c === '"' ? '%22' : c === '\\' ? '\\\\' : ''));

/**
 * multipart/form-data of some text fields and one file, the file streamed from the media store:
 * never the whole file in memory, however large.
 */
export function multipartBody(fields: Record<string, string | number | undefined>, fileField: string, file: OutboundFile): StreamedBody {
  const boundary = `----MonkeyMachine${randomBytes(12).toString('hex')}`;
  const parts = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(k)}"\r\n\r\n${v}\r\n`)
    .join('');
  const head = Buffer.from(
    `${parts}--${boundary}\r\nContent-Disposition: form-data; name="${quoted(fileField)}"; filename="${quoted(file.fileName)}"; filename*=UTF-8''${encodeURIComponent(file.fileName)}\r\n` +
      `Content-Type: ${file.mimeType}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  async function* all(): AsyncIterable<Uint8Array> {
    yield head;
    yield* file.open();
    yield tail;
  }
  return { contentType: `multipart/form-data; boundary=${boundary}`, length: head.length + file.size + tail.length, body: all() };
}
