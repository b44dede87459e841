import { htmlToPlainText } from './html-text';

describe('htmlToPlainText', () => {
  it("keeps the writer's case in headings and table headers", () => {
    const text = htmlToPlainText('<h1>This is html only mail</h1><table><tr><th>Order</th></tr><tr><td>42</td></tr></table>');
    expect(text).toContain('This is html only mail');
    expect(text).toContain('Order');
    expect(text).not.toMatch(/THIS IS|ORDER/);
  });

  it('leaves inline images out of the text (they are attachments)', () => {
    expect(htmlToPlainText('<p>Hello</p><img src="cid:abc@host">')).toBe('Hello');
  });

  it('answers empty for no HTML, and for HTML too large to convert', () => {
    expect(htmlToPlainText(undefined)).toBe('');
    expect(htmlToPlainText(false)).toBe('');
    expect(htmlToPlainText(`<p>${'a'.repeat(6 * 1024 * 1024)}</p>`)).toBe('');
  });
});
