import { csvCell, csvRow } from './csv';

describe('CSV cells', () => {
  it.each([
    ['=1+1', `"'=1+1"`],
    ['+1', `"'+1"`],
    ['-1', `"'-1"`],
    ['@SUM(A1)', `"'@SUM(A1)"`],
    ['\t', `"'\t"`],
    ['\tplain', `"'\tplain"`],
    ['\rplain', `"'\rplain"`],
    // Spreadsheets skip leading whitespace before they look for a formula.
    [' =1+1', `"' =1+1"`],
    ['   +1', `"'   +1"`],
    ['\t=HYPERLINK("http://x","y")', `"'\t=HYPERLINK(""http://x"",""y"")"`],
    ['\r\n-2', `"'\r\n-2"`],
    ['\n@x', `"'\n@x"`],
    ['\u00a0=1', `"'\u00a0=1"`],
    ['\u3000=1', `"'\u3000=1"`],
    ['\ufeff=1', `"'\ufeff=1"`],
    ['\u200b=1', `"'\u200b=1"`],
    ['\uff1d1+1', `"'\uff1d1+1"`], // full-width equals sign
  ])('neutralises %j as text', (value, expected) => expect(csvCell(value)).toBe(expected));

  it.each([
    ['hello', `"hello"`],
    ['a = b', `"a = b"`],
    ['mail me: a@b.example', `"mail me: a@b.example"`],
    ['say "hi"', `"say ""hi"""`],
    ['line 1\nline 2', `"line 1\nline 2"`],
    ['   ', `"   "`],
    ['', `""`],
  ])('leaves %j as it is (quoted)', (value, expected) => expect(csvCell(value)).toBe(expected));

  it('writes dates, objects and missing values', () => {
    expect(csvCell(new Date('2025-01-02T03:04:05Z'))).toBe('"2025-01-02T03:04:05.000Z"');
    expect(csvCell({ a: '=1' })).toBe('"{""a"":""=1""}"');
    expect(csvCell(null)).toBe('""');
    expect(csvCell(undefined)).toBe('""');
    expect(csvRow(['a', ' =b', 3])).toBe(`"a","' =b","3"\r\n`);
  });
});
