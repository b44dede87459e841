import { convert } from 'html-to-text';

/** Beyond this, HTML is not converted (the mail keeps its other parts); mailparser's own bound. */
const MAX_HTML_CHARS = 5 * 1024 * 1024;
const KEEP_CASE = { uppercase: false };

/**
 * An HTML-only mail's text for the inbox. html-to-text's defaults upper-case headings and table
 * headers, which turns a customer's "This is html only mail" into a shout; their words keep their case.
 */
export function htmlToPlainText(html: string | false | undefined): string {
  if (!html || html.length > MAX_HTML_CHARS) return '';
  try {
    return convert(html, {
      wordwrap: false,
      limits: { maxDepth: 1000 },
      selectors: [
        ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: KEEP_CASE })),
        { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false } },
        // Inline images are kept as attachments; their cid: links are noise in the text.
        { selector: 'img', format: 'skip' },
      ],
    }).trim();
  } catch {
    // HTML that cannot be converted is no reason to lose the mail: its parts are still kept.
    return '';
  }
}
