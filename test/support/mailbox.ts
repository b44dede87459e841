import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';

export interface ReceivedMail {
  file: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The first https?:// link of the text part. */
  link: string | null;
}

/** The .eml files the Mailer wrote for `to` (oldest first), under `dataDir/mail` (MAIL_URL unset). */
export async function mailsTo(dataDir: string, to: string): Promise<ReceivedMail[]> {
  const dir = join(dataDir, 'mail');
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.eml')).sort();
  } catch {
    return [];
  }
  const out: ReceivedMail[] = [];
  for (const name of names) {
    const raw = await readFile(join(dir, name));
    if (!raw.includes(to)) continue;
    const parsed = await simpleParser(raw);
    const text = parsed.text ?? '';
    out.push({
      file: name,
      to: (parsed.to && !Array.isArray(parsed.to) ? parsed.to.text : '') || '',
      subject: parsed.subject ?? '',
      text,
      html: String(parsed.html || ''),
      link: text.match(/https?:\/\/\S+/)?.[0] ?? null,
    });
  }
  return out;
}

/** Waits (up to `timeoutMs`) until `count` mails for `to` are there; answers them. */
export async function waitForMails(dataDir: string, to: string, count = 1, timeoutMs = 15_000): Promise<ReceivedMail[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await mailsTo(dataDir, to);
    if (found.length >= count || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The token of a link's `token` query parameter. */
export const tokenOf = (link: string | null): string => new URL(link ?? 'http://x/').searchParams.get('token') ?? '';
