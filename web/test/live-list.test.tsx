import { render, screen, waitFor, within } from '@testing-library/react';
import { QueryClient } from '@tanstack/react-query';
import { Providers } from '../src/Providers';
import { setTokens } from '../src/api/session';
import type { Conversation } from '../src/api/types';
import { applyLiveEvent, parseFrame } from '../src/live/events';
import { SseParser, openStream } from '../src/live/sse';
import { InboxPage } from '../src/pages/inbox/InboxPage';
import { HOUR, ago, channel, conversation, page, stubApi } from './fixtures';

// A token whose claims say: agent of one tenant (the signature is the API's business).
const claims = {
  sub: '30000000-0000-4000-8000-000000000001',
  tid: '40000000-0000-4000-8000-000000000001',
  role: 'agent',
  exp: Math.floor(Date.now() / 1000) + 3600,
};
const token = `e30.${btoa(JSON.stringify(claims)).replace(/=+$/, '')}.sig`;

describe('conversation list: live updates', () => {
  let listed: Conversation[];
  const wa = channel('whatsapp');

  beforeEach(() => {
    setTokens({ accessToken: token });
    listed = [
      conversation({
        channelId: wa.id,
        contact: { id: 'c1', displayName: 'Ada Lovelace' },
        lastMessage: { direction: 'inbound', text: 'Hello', at: ago(HOUR) },
      }),
    ];
    stubApi({
      'GET /api/conversations': () => page(listed),
      'GET /api/channels': () => ({ items: [wa] }),
    });
  });

  function renderInbox(client: QueryClient) {
    render(
      <Providers client={client}>
        <InboxPage
          session={{ token, refreshToken: null, userId: claims.sub, tenantId: claims.tid, role: 'agent', expiresAt: claims.exp * 1000 }}
          conversationId={null}
        />
      </Providers>,
    );
  }

  it('a message.created event brings the new conversation into the list without a reload', async () => {
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    renderInbox(client);
    const list = await screen.findByTestId('conversation-list');
    await within(list).findByText('Ada Lovelace');
    expect(within(list).getAllByRole('button')).toHaveLength(1);

    const arrived = conversation({
      channelId: wa.id,
      contact: { id: 'c2', displayName: 'Grace Hopper' },
      lastMessage: { direction: 'inbound', text: 'Is my order late?', at: ago(0) },
    });
    listed = [arrived, ...listed];
    applyLiveEvent(client, { id: '1-1', type: 'message.created', data: { conversationId: arrived.id, messageId: 'm9', direction: 'inbound' } });

    await within(list).findByText('Grace Hopper');
    const rows = within(list).getAllByRole('button');
    expect(rows).toHaveLength(2);
    expect(rows[0].textContent).toContain('Is my order late?');
  });

  it('a conversation.updated event (resolved elsewhere) takes it out of the open view', async () => {
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    renderInbox(client);
    const list = await screen.findByTestId('conversation-list');
    await within(list).findByText('Ada Lovelace');
    listed = [];
    applyLiveEvent(client, { id: '1-2', type: 'conversation.updated', data: { id: 'x', status: 'resolved' } });
    await waitFor(() => expect(within(list).queryByText('Ada Lovelace')).toBeNull());
  });

  it("a conversation.updated event with a satisfaction (a survey asked or rated) writes it into the open conversation's cache at once", () => {
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const open = conversation({ status: 'resolved', satisfaction: null });
    client.setQueryData(['conversation', open.id], open);
    const asked = { askedAt: ago(0), rating: null, answeredAt: null, answeredVia: null };
    applyLiveEvent(client, { id: '1-3', type: 'conversation.updated', data: { id: open.id, satisfaction: asked } });
    expect(client.getQueryData<Conversation>(['conversation', open.id])).toEqual({ ...open, satisfaction: asked });
    // Another conversation's cache is left alone.
    applyLiveEvent(client, { id: '1-4', type: 'conversation.updated', data: { id: 'other', satisfaction: asked } });
    expect(client.getQueryData(['conversation', 'other'])).toBeUndefined();
  });
});

describe('the live stream reader', () => {
  it('parses frames split anywhere across chunks', () => {
    const frames: Array<{ id?: string; event: string; data: string }> = [];
    const parser = new SseParser((f) => frames.push(f));
    const text =
      'id: 7-1\nevent: message.created\ndata: {"id":"7-1","type":"message.created","data":{"conversationId":"c"}}\n\n: keep-alive\n\nid: 7-2\nevent: reset\ndata: {"reason":"gap"}\n\n';
    for (let i = 0; i < text.length; i += 5) parser.push(text.slice(i, i + 5));
    expect(frames.map((f) => [f.id, f.event])).toEqual([
      ['7-1', 'message.created'],
      ['7-2', 'reset'],
    ]);
    expect(parseFrame(frames[0])).toEqual({ id: '7-1', type: 'message.created', data: { conversationId: 'c' } });
  });

  it('sends the token in the Authorization header, never in the URL, and resumes with Last-Event-ID', async () => {
    const seen: Array<{ url: string; auth: string | null; last: string | null }> = [];
    let call = 0;
    const fetchImpl = (async (url: string, init: RequestInit) => {
      const headers = new Headers(init.headers);
      seen.push({ url, auth: headers.get('authorization'), last: headers.get('last-event-id') });
      call++;
      const body = call === 1 ? 'id: 5-1\nevent: message.created\ndata: {"type":"message.created","data":{}}\n\n' : '';
      return new Response(new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode(body)), c.close()) }), { status: 200 });
    }) as unknown as typeof fetch;
    const statuses: boolean[] = [];
    const stop = openStream({ url: '/api/events', token: () => 'tok', onFrame: () => {}, onStatus: (s) => statuses.push(s), fetchImpl });
    await waitFor(() => expect(seen.length).toBeGreaterThanOrEqual(2), { timeout: 4000 });
    stop();
    expect(seen[0]).toEqual({ url: '/api/events', auth: 'Bearer tok', last: null });
    expect(seen[1].last).toBe('5-1');
    expect(statuses[0]).toBe(true);
  });

  it('a stream refused with 401 renews the session once and reconnects with the new token; refused again, it stops', async () => {
    const auths: Array<string | null> = [];
    const fetchImpl = (async (_url: string, init: RequestInit) => {
      auths.push(new Headers(init.headers).get('authorization'));
      return new Response(null, { status: 401 });
    }) as unknown as typeof fetch;
    let token = 'old';
    let renewals = 0;
    const onUnauthorized = async () => {
      renewals++;
      token = 'renewed';
      return true;
    };
    const stop = openStream({ url: '/api/events', token: () => token, onFrame: () => {}, onStatus: () => {}, onUnauthorized, fetchImpl });
    await waitFor(() => expect(auths).toEqual(['Bearer old', 'Bearer renewed']));
    await new Promise((r) => setTimeout(r, 50));
    stop();
    expect(renewals).toBe(1);
    expect(auths).toHaveLength(2);
  });
});
