/**
 * The content type of a file from its first bytes, never from what the client says: a type is
 * believed only when the bytes carry its signature (magic numbers), and markup that a browser
 * would run (HTML, SVG, XML) is recognised as such, so it is never served as a page.
 */
export interface SniffedType {
  mimeType: string;
  /** Safe to show inline in a browser (raster pictures, audio, video); everything else is served as a download. */
  inline: boolean;
}

const ascii = (head: Uint8Array, at: number, text: string) => {
  if (head.length < at + text.length) return false;
  for (let i = 0; i < text.length; i++) if (head[at + i] !== text.charCodeAt(i)) return false;
  return true;
};
const bytes = (head: Uint8Array, at: number, sig: number[]) => sig.every((b, i) => head[at + i] === b);

const MP4_AUDIO_BRANDS = new Set(['M4A ', 'M4B ', 'M4P ']);

function isobmff(head: Uint8Array): string | null {
  if (!ascii(head, 4, 'ftyp') || head.length < 12) return null;
  const brand = String.fromCharCode(...head.subarray(8, 12));
  if (MP4_AUDIO_BRANDS.has(brand)) return 'audio/mp4';
  if (brand === 'qt  ') return 'video/quicktime';
  if (brand.startsWith('3g')) return 'video/3gpp';
  if (brand === 'heic' || brand === 'heix' || brand === 'mif1') return 'image/heic';
  return 'video/mp4';
}

/** Markup a browser would render or run: looked for after a BOM and leading whitespace, case-insensitively. */
function markup(head: Uint8Array): string | null {
  const text = new TextDecoder('utf-8', { fatal: false })
    .decode(head.subarray(0, 1024))
    .replace(/^\uFEFF/, '')
    .trimStart()
    .toLowerCase();
  if (/^<svg[\s>]/.test(text) || (text.startsWith('<?xml') && text.includes('<svg'))) return 'image/svg+xml';
  if (/^<(!doctype html|html|head|body|script|iframe|meta|title|style|div|a |img|!--)/.test(text)) return 'text/html';
  if (text.startsWith('<?xml')) return 'application/xml';
  return null;
}

function isText(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, Math.min(head.length, 4096 - 4)));
  } catch {
    return false;
  }
  return !head.some((b) => b < 0x09 || (b > 0x0d && b < 0x20 && b !== 0x1b));
}

export function sniffContentType(head: Uint8Array): SniffedType {
  const found = (mimeType: string, inline = false): SniffedType => ({ mimeType, inline });
  if (bytes(head, 0, [0xff, 0xd8, 0xff])) return found('image/jpeg', true);
  if (bytes(head, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return found('image/png', true);
  if (ascii(head, 0, 'GIF87a') || ascii(head, 0, 'GIF89a')) return found('image/gif', true);
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WEBP')) return found('image/webp', true);
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WAVE')) return found('audio/wav', true);
  if (ascii(head, 0, '%PDF-')) return found('application/pdf');
  const mp4 = isobmff(head);
  if (mp4) return found(mp4, mp4 !== 'image/heic');
  if (ascii(head, 0, 'OggS')) return found('audio/ogg', true);
  if (ascii(head, 0, 'ID3') || (head[0] === 0xff && head.length > 1 && (head[1] & 0xe6) === 0xe2)) return found('audio/mpeg', true);
  if (bytes(head, 0, [0x1a, 0x45, 0xdf, 0xa3])) return found('video/webm', true);
  if (bytes(head, 0, [0x50, 0x4b, 0x03, 0x04])) return found('application/zip');
  const active = markup(head);
  if (active) return found(active);
  if (isText(head)) return found('text/plain');
  return found('application/octet-stream');
}

/** The extension a file of this type is offered with when its name has none (e-mail clients and WhatsApp go by it). */
export const EXTENSION_OF: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'audio/wav': 'wav',
  'application/pdf': 'pdf',
  'audio/mp4': 'm4a',
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
  'video/3gpp': '3gp',
  'audio/ogg': 'ogg',
  'audio/mpeg': 'mp3',
  'video/webm': 'webm',
  'application/zip': 'zip',
  'image/svg+xml': 'svg',
  'text/html': 'html',
  'application/xml': 'xml',
  'text/plain': 'txt',
};
