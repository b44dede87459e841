/** One multipart/form-data body, parsed the way a platform reads it: text fields, and files with their bytes. */
export interface MultipartForm {
  fields: Record<string, string>;
  files: Record<string, { fileName: string; contentType: string; bytes: Buffer }>;
}

/** Parses `body` under the boundary of `contentType`; null when it is not well-formed multipart/form-data. */
export function parseMultipart(contentType: string | undefined, body: Buffer): MultipartForm | null {
  const boundary = /^multipart\/form-data;\s*boundary=("?)([^";]+)\1/i.exec(contentType ?? '')?.[2];
  if (!boundary) return null;
  const form: MultipartForm = { fields: {}, files: {} };
  const delimiter = Buffer.from(`--${boundary}`);
  let at = body.indexOf(delimiter);
  if (at !== 0) return null;
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString() === '--') return form;
    if (body.subarray(at, at + 2).toString() !== '\r\n') return null;
    const headersEnd = body.indexOf('\r\n\r\n', at);
    if (headersEnd < 0) return null;
    const headers = body.subarray(at + 2, headersEnd).toString('utf8');
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headersEnd + 4);
    if (next < 0) return null;
    const content = body.subarray(headersEnd + 4, next);
    const disposition = /content-disposition:\s*form-data;([^\r\n]*)/i.exec(headers)?.[1] ?? '';
    const name = /\bname="([^"]*)"/.exec(disposition)?.[1];
    if (name === undefined) return null;
    const fileName = /\bfilename="([^"]*)"/.exec(disposition)?.[1];
    if (fileName !== undefined) {
      form.files[name] = { fileName, contentType: /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]?.trim() ?? '', bytes: Buffer.from(content) };
    } else form.fields[name] = content.toString('utf8');
    at = next + 2;
  }
}
