import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createTransport } from 'nodemailer';
import { signMetaBody } from '../../src/channels/meta/meta-signature';
import { signLikeTwilio } from '../fakes/fake-twilio.server';
import type { HttpResult, TestApp } from '../support/test-app';

/**
 * Where the shared corpus of third-party payloads lives: MM_CORPUS_DIR, or `../shared/corpus` next
 * to the repository (a checkout beside the workplace's shared folder), or the workplace's own path.
 */
export function findCorpus(root = resolve(__dirname, '..', '..')): string | null {
  const candidates = [process.env.MM_CORPUS_DIR, join(root, '..', 'shared', 'corpus'), '/work/shared/corpus'].filter(Boolean) as string[];
  return candidates.find((dir) => existsSync(join(dir, 'SOURCES.md'))) ?? null;
}

export type CorpusKind = 'messenger' | 'instagram' | 'whatsapp' | 'telegram' | 'sms' | 'email';

export interface Sample {
  /** `whatsapp/pywa_message__text.json`: the folder names the channel kind. */
  file: string;
  kind: CorpusKind;
  /** The file's text; e-mail is read as latin1 so its bytes (any charset) go out unchanged. */
  raw: string;
}

/**
 * Meta sends compact JSON with non-ASCII as \uXXXX and `/` as `\/`: the signature covers those exact
 * bytes, so a replay must produce them rather than JSON.stringify's output.
 */
export function metaWireJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/\//g, '\\/');
}

const PAGE_PLACEHOLDERS = new Set(['<PAGE_ID>', '{PAGE_ID}']);

/**
 * Rewrites only what SOURCES.md allows: the account ids of Messenger/Instagram (`entry[].id`, and a
 * sender/recipient equal to the old account id or a page placeholder) and WhatsApp (`entry[].id`,
 * `metadata.phone_number_id`).
 */
export function rewriteMetaAccount(body: any, kind: 'messenger' | 'instagram' | 'whatsapp', account: { accountId: string; wabaId?: string }): any {
  for (const entry of body.entry ?? []) {
    const old = String(entry.id ?? '');
    if (kind === 'whatsapp') {
      entry.id = account.wabaId;
      for (const change of entry.changes ?? []) if (change.value?.metadata) change.value.metadata.phone_number_id = account.accountId;
      continue;
    }
    entry.id = account.accountId;
    const swap = (party: any) => {
      if (party && (party.id === old || PAGE_PLACEHOLDERS.has(String(party.id)))) party.id = account.accountId;
    };
    for (const item of [...(entry.messaging ?? []), ...(entry.standby ?? [])]) {
      swap(item.sender);
      swap(item.recipient);
    }
  }
  return body;
}

export function postMeta(t: TestApp, secret: string, wire: string): Promise<HttpResult> {
  return t.request('POST', '/webhooks/meta', {
    body: wire,
    headers: { 'x-hub-signature-256': signMetaBody(secret, wire), 'content-type': 'application/json' },
  });
}

/** Twilio form bodies as Twilio sends them, with the account and our number rewritten. */
export function rewriteTwilio(raw: string, opts: { accountSid: string; number: string; status: boolean }): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(raw.trim())) params[k] = v;
  if ('AccountSid' in params) params.AccountSid = opts.accountSid;
  const ours = opts.status ? 'From' : 'To';
  if (ours in params) params[ours] = params[ours].startsWith('whatsapp:') ? `whatsapp:${opts.number}` : opts.number;
  return params;
}

export function postTwilio(t: TestApp, publicBaseUrl: string, authToken: string, channelId: string, params: Record<string, string>, status: boolean) {
  const path = `/webhooks/twilio/${channelId}${status ? '/status' : ''}`;
  const body = new URLSearchParams(params).toString();
  return t.request('POST', path, {
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signLikeTwilio(authToken, `${publicBaseUrl}${path}`, params) },
  });
}

export function postTelegram(t: TestApp, channelId: string, secret: string, raw: string) {
  return t.request('POST', `/webhooks/telegram/${channelId}`, {
    body: raw,
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
  });
}

/** The .eml bytes unchanged, over SMTP to the app's MX; only the envelope recipient is ours. */
export async function sendEml(smtpPort: number, to: string, raw: string): Promise<'accepted' | string> {
  const transport = createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true, name: 'mx.corpus.test' });
  try {
    await transport.sendMail({ envelope: { from: 'corpus-sender@corpus.test', to: [to] }, raw: Buffer.from(raw.replace(/\r?\n/g, '\r\n'), 'latin1') });
    return 'accepted';
  } catch (err) {
    return `refused: ${(err as Error).message}`;
  } finally {
    transport.close();
  }
}

export function loadSamples(corpusDir: string, kinds: CorpusKind[]): Sample[] {
  const { readdirSync } = require('node:fs') as typeof import('node:fs');
  return kinds.flatMap((kind) =>
    readdirSync(join(corpusDir, kind))
      .sort()
      .map((name) => ({ file: `${kind}/${name}`, kind, raw: readFileSync(join(corpusDir, kind, name), kind === 'email' ? 'latin1' : 'utf8') })),
  );
}

/**
 * The messages a sample refers to and who it is with: statuses, reactions, reads, edits and deletions
 * need them to exist before the replay (SOURCES.md, "Setup"). `inbound`: ids of the End User's own
 * messages (edits, deletions); `outbound`: ids of messages the business sent (statuses, reactions).
 */
export interface SetupPlan {
  user: string;
  inbound: string[];
  outbound: string[];
}

export function setupPlan(sample: Sample): SetupPlan | null {
  if (sample.kind === 'email') return null;
  if (sample.kind === 'sms') {
    if (!sample.file.endsWith('.status.form')) return null;
    const p = new URLSearchParams(sample.raw.trim());
    return { user: p.get('To')!, inbound: [], outbound: [p.get('MessageSid')!] };
  }
  const body = JSON.parse(sample.raw);
  if (sample.kind === 'telegram') {
    const reaction = body.message_reaction;
    if (!reaction) return null;
    return { user: String(reaction.chat.id), inbound: [], outbound: [String(reaction.message_id)] };
  }
  if (sample.kind === 'whatsapp') {
    const value = body.entry?.[0]?.changes?.[0]?.value ?? {};
    const status = value.statuses?.[0];
    if (status) return { user: String(status.recipient_id), inbound: [], outbound: value.statuses.map((s: any) => String(s.id)) };
    const message = value.messages?.[0];
    if (!message) return null;
    if (message.type === 'reaction') return { user: String(message.from), inbound: [], outbound: [String(message.reaction.message_id)] };
    const original = message.revoke?.original_message_id ?? message.edit?.original_message_id;
    if (original) return { user: String(message.from), inbound: [String(original)], outbound: [] };
    return null;
  }
  const entry = body.entry?.[0] ?? {};
  const item = (entry.messaging ?? entry.standby ?? [])[0];
  if (!item) return null;
  const account = String(entry.id);
  const user = String(item.sender?.id === account || String(item.sender?.id).includes('PAGE_ID') ? item.recipient?.id : item.sender?.id);
  if (item.delivery) return { user, inbound: [], outbound: (item.delivery.mids ?? []).map(String) };
  if (item.read) return { user, inbound: [], outbound: [`m_corpus_read_${Date.now()}`] };
  if (item.reaction) return { user, inbound: [], outbound: [String(item.reaction.mid)] };
  if (item.message_edit) return { user, inbound: [String(item.message_edit.mid)], outbound: [] };
  if (item.message?.is_deleted) return { user, inbound: [String(item.message.mid)], outbound: [] };
  return null;
}
