import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';

/** RFC 6266/5987: the name survives any character, and nothing in it can end the header. */
export const dispositionName = (fileName: string) =>
  `filename*=UTF-8''${encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;

/**
 * Streams stored bytes to the client. Someone else made these bytes, so whatever they are they
 * never act as a page of this origin: the type is the sniffed one and the browser may not guess
 * another (nosniff), a sandboxing CSP forbids script and plugins even if it renders them, and
 * anything but pictures, audio and video is only offered as a download.
 */
export function sendStoredFile(
  reply: FastifyReply,
  file: { stream: AsyncIterable<Uint8Array>; mimeType: string; size?: number; fileName: string; inline: boolean },
): FastifyReply {
  reply
    .header('content-type', file.mimeType)
    .header('cache-control', 'private, no-store')
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; sandbox")
    .header('content-disposition', `${file.inline ? 'inline' : 'attachment'}; ${dispositionName(file.fileName)}`);
  if (file.size) reply.header('content-length', file.size);
  return reply.send(Readable.from(file.stream, { objectMode: false }));
}
