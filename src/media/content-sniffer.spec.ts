import { sniffContentType } from './content-sniffer';

const b = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe('sniffContentType', () => {
  it.each([
    [b([0xff, 0xd8, 0xff, 0xe0], 'JFIF'), 'image/jpeg', true],
    [b([0x89], 'PNG\r\n', [0x1a, 0x0a], 'IHDR'), 'image/png', true],
    [b('GIF89a...'), 'image/gif', true],
    [b('RIFF', [1, 2, 3, 4], 'WEBPVP8 '), 'image/webp', true],
    [b('%PDF-1.7\n'), 'application/pdf', false],
    [b([0, 0, 0, 0x18], 'ftypmp42', [0, 0, 0, 0]), 'video/mp4', true],
    [b([0, 0, 0, 0x18], 'ftypM4A ', [0, 0, 0, 0]), 'audio/mp4', true],
    [b('OggS', [0, 2], 'OpusHead'), 'audio/ogg', true],
    [b('ID3', [4, 0]), 'audio/mpeg', true],
    [b([0xff, 0xfb, 0x90, 0x64]), 'audio/mpeg', true],
    [b([0xef, 0xbb, 0xbf], '  <!DOCTYPE html><html>'), 'text/html', false],
    [b('<script>alert(1)</script>'), 'text/html', false],
    [b('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'), 'image/svg+xml', false],
    [b('<?xml version="1.0"?>\n<svg>'), 'image/svg+xml', false],
    [b('plain words\n'), 'text/plain', false],
    [b([0, 1, 2, 3, 250]), 'application/octet-stream', false],
  ])('%#: %s', (head, mimeType, inline) => {
    expect(sniffContentType(head)).toEqual({ mimeType, inline });
  });

  it('does not believe a picture signature placed after markup', () => {
    expect(sniffContentType(b('<html>', [0xff, 0xd8, 0xff])).mimeType).toBe('text/html');
  });
});
