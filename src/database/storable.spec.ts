import { storableJson, storableText, unstorableCharacter } from './storable';

describe('storable text and JSON', () => {
  it('names what PostgreSQL cannot store', () => {
    expect(unstorableCharacter('plain, ümlaut, 😀')).toBeUndefined();
    expect(unstorableCharacter('a\u0000b')).toBe('the character U+0000');
    expect(unstorableCharacter('a\ud800')).toBe('an unpaired UTF-16 surrogate');
    expect(unstorableCharacter('\udc00b')).toBe('an unpaired UTF-16 surrogate');
    expect(unstorableCharacter('😀'.slice(1))).toBe('an unpaired UTF-16 surrogate');
    expect(unstorableCharacter('\ud83d\ude00\ud83d\ude00')).toBeUndefined();
  });

  it('replaces U+0000 and lone surrogates in text with U+FFFD, keeping pairs', () => {
    expect(storableText('a\u0000b\ud800c\udc00d😀')).toBe('a\uFFFDb\uFFFDc\uFFFDd😀');
    expect(storableText('\udc00\ud800')).toBe('\uFFFD\uFFFD'); // a low then a high is no pair
    expect(storableText(null)).toBeNull();
  });

  it('writes JSON jsonb accepts: in values and keys, at any depth', () => {
    const json = storableJson({ text: 'x\ud800', ['k\udfff']: ['\u0000', { deep: '😀\udc00' }] });
    expect(json).not.toMatch(/\\u0000|\\ud[89a-f]/i);
    expect(JSON.parse(json)).toEqual({ text: 'x\uFFFD', ['k\uFFFD']: ['\uFFFD', { deep: '😀\uFFFD' }] });
  });

  it('leaves an escaped backslash followed by letters alone, and clean JSON as JSON.stringify wrote it', () => {
    const literal = { path: '\\ud800 and \\u0000 are just letters', emoji: '😀' };
    expect(storableJson(literal)).toBe(JSON.stringify(literal));
    expect(JSON.parse(storableJson({ s: '\\\ud800' }))).toEqual({ s: '\\\uFFFD' });
  });
});
