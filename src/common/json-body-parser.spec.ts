import { nestsDeeperThan } from './json-body-parser';

const deeper = (json: string, limit: number) => nestsDeeperThan(Buffer.from(json), limit);

describe('JSON depth check', () => {
  it('counts nested objects and arrays', () => {
    expect(deeper('1', 0)).toBe(false);
    expect(deeper('{}', 0)).toBe(true);
    expect(deeper('{}', 1)).toBe(false);
    expect(deeper('{"a":[{"b":[]}],"c":{}}', 4)).toBe(false);
    expect(deeper('{"a":[{"b":[]}],"c":{}}', 3)).toBe(true);
    expect(deeper('[]'.repeat(1000), 1)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(deeper('{"a":"[[[{{{"}', 1)).toBe(false);
    expect(deeper('{"a":"\\"[[[","b":"\\\\"}', 1)).toBe(false);
    expect(deeper('{"a":"\\\\","b":[]}', 1)).toBe(true);
    expect(deeper('{"[[[":"ü😀[[["}', 1)).toBe(false);
  });

  it('stops at the limit without reading the rest', () => {
    expect(deeper('['.repeat(100_000), 64)).toBe(true);
    expect(deeper('['.repeat(64) + ']'.repeat(64), 64)).toBe(false);
    expect(deeper('['.repeat(65) + ']'.repeat(65), 64)).toBe(true);
  });
});
