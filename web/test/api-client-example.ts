/**
 * Issue 14, done means: a client generated from openapi.json (openapi-typescript, openapi-fetch)
 * signs up, lists conversations and posts a reply with every value typed: `known` below accepts
 * no `any` and no `unknown`, so npm run typecheck fails if the document stops describing one of
 * these answers. Type-checked only (web/tsconfig.json), never run.
 */
import createClient from 'openapi-fetch';
import type { paths } from '../src/api/schema';

type IsAny<T> = 0 extends 1 & T ? true : false;
/** T itself, or never when T is any or unknown. */
type Known<T> = IsAny<T> extends true ? never : unknown extends T ? never : T;
const known = <T>(value: Known<T>): T => value as T;

export async function signUpListAndReply(baseUrl: string): Promise<string | null> {
  const api = createClient<paths>({ baseUrl });

  const signup = await api.POST('/api/auth/signup', { body: { organizationName: 'Acme', email: 'owner@acme.test', password: 'a long enough password' } });
  if (!signup.data) throw new Error(known(signup.error.code));
  const token = known(signup.data.accessToken);
  known(signup.data.tenant.region);
  const headers = { authorization: `Bearer ${token}` };

  const inbox = await api.GET('/api/conversations', { params: { query: { status: 'open' } }, headers });
  if (!inbox.data) throw new Error(known(inbox.error.code));
  const first = known(inbox.data.items[0]);
  if (!first) return known(inbox.data.nextCursor);
  const contactName = known(first.contact.displayName);

  const reply = await api.POST('/api/conversations/{id}/messages', {
    params: { path: { id: known(first.id) } },
    body: { text: `Thanks${contactName ? `, ${contactName}` : ''}! We are on it.` },
    headers,
  });
  if (!reply.data) {
    // The codes a client must handle are a closed list, drawn from the error catalogue.
    const code = known(reply.error.code);
    if (code === 'MESSAGING_WINDOW_CLOSED' || code === 'CHANNEL_REVOKED') return null;
    throw new Error(code);
  }
  const status = known(reply.data.status);
  return known(reply.data.id) + (status ? `:${status}` : '');
}
