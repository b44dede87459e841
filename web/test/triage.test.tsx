import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { QueryClient } from '@tanstack/react-query';
import { Providers } from '../src/Providers';
import { setTokens } from '../src/api/session';
import type { CannedResponse, Label } from '../src/api/types';
import { InboxPage } from '../src/pages/inbox/InboxPage';
import { ReplyBox } from '../src/pages/inbox/ReplyBox';
import { snoozeChoices } from '../src/pages/inbox/ConversationTriage';
import { HOUR, ago, channel, conversation, page, stubApi } from './fixtures';

const claims = {
  sub: '30000000-0000-4000-8000-000000000001',
  tid: '40000000-0000-4000-8000-000000000001',
  role: 'agent',
  exp: Math.floor(Date.now() / 1000) + 3600,
};
const token = `e30.${btoa(JSON.stringify(claims)).replace(/=+$/, '')}.sig`;
const session = { token, refreshToken: null, userId: claims.sub, tenantId: claims.tid, role: 'agent' as const, expiresAt: claims.exp * 1000 };

const vip: Label = { id: '50000000-0000-4000-8000-000000000001', name: 'VIP', colour: '#aa3300', createdAt: ago(HOUR), updatedAt: ago(HOUR) };
const counts = { byStatus: { open: 7, pending: 1, resolved: 40, snoozed: 2 }, all: 7, mine: 3, mineUnread: 1, unassigned: 4 };

describe('inbox triage: views with counts, labels, unread', () => {
  beforeEach(() => {
    sessionStorage.clear();
    setTokens({ accessToken: token });
  });

  function renderInbox() {
    const wa = channel('whatsapp');
    const listed = [
      conversation({
        channelId: wa.id,
        contact: { id: 'c1', displayName: 'Ada' },
        labels: [{ id: vip.id, name: vip.name, colour: vip.colour }],
        priority: 'urgent',
        unreadCount: 2,
      }),
    ];
    const api = stubApi({
      'GET /api/conversations': () => page(listed),
      'GET /api/conversations/counts': () => counts,
      'GET /api/channels': () => ({ items: [wa] }),
      'GET /api/labels': () => ({ items: [vip] }),
    });
    render(
      <Providers client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <InboxPage session={session} conversationId={null} />
      </Providers>,
    );
    return api;
  }

  it('shows the counts per view and status, and each row its labels, priority and unread count', async () => {
    renderInbox();
    expect((await screen.findByTestId('count-mine', {}, { timeout: 8000 })).textContent).toBe('3');
    expect(screen.getByTestId('count-unassigned').textContent).toBe('4');
    expect(screen.getByTestId('count-all').textContent).toBe('7');
    const row = within(await screen.findByTestId('conversation-list')).getByRole('button');
    expect(row.textContent).toContain('VIP');
    expect(row.textContent).toContain('Urgent');
    expect(row.textContent).toContain('2 unread');
  });

  it('asks the API for mine, unassigned, a label and unread only (the list is filtered by the server)', async () => {
    const { urls } = renderInbox();
    await screen.findByTestId('count-mine', {}, { timeout: 8000 });
    fireEvent.click(screen.getByRole('button', { name: /^Unassigned/ }));
    await waitFor(() => expect(urls).toContain('GET /api/conversations?limit=25&status=open&assignee=unassigned'));
    fireEvent.click(screen.getByRole('button', { name: /^Mine/ }));
    await waitFor(() => expect(urls).toContain('GET /api/conversations?limit=25&status=open&assignee=me'));
    fireEvent.click(screen.getAllByLabelText('Unread only')[0]);
    await waitFor(() => expect(urls).toContain('GET /api/conversations?limit=25&status=open&assignee=me&unread=true'));
    expect(urls).toContain('GET /api/conversations/counts?status=open');
  });
});

describe('reply box: canned responses by /shortcode', () => {
  const thanks: CannedResponse = {
    id: '60000000-0000-4000-8000-000000000001',
    shortCode: 'thanks',
    text: 'Thank you, {{contact.name}}!',
    createdAt: ago(HOUR),
    updatedAt: ago(HOUR),
  };
  const hours: CannedResponse = {
    id: '60000000-0000-4000-8000-000000000002',
    shortCode: 'hours',
    text: 'We are open 9 to 18.',
    createdAt: ago(HOUR),
    updatedAt: ago(HOUR),
  };

  it('typing /th looks them up; Enter puts the chosen text in the box, variables left for the server to fill', async () => {
    const ch = channel('webchat');
    const c = conversation({ channelId: ch.id });
    const { urls, calls } = stubApi({
      'GET /api/canned-responses': (req) => ({ items: new URL(req.url).searchParams.get('q') === 'th' ? [thanks] : [thanks, hours] }),
      [`POST /api/conversations/${c.id}/messages`]: () => ({ id: 'm1', status: 'queued' }),
    });
    render(
      <Providers>
        <ReplyBox conversation={c} channel={ch} />
      </Providers>,
    );
    const box = screen.getByRole('textbox', { name: 'Reply' });
    fireEvent.change(box, { target: { value: '/' } });
    await waitFor(() => expect(screen.getAllByRole('option')).toHaveLength(2));
    fireEvent.change(box, { target: { value: '/th' } });
    await waitFor(() => expect(screen.getAllByRole('option')).toHaveLength(1));
    expect(urls).toContain('GET /api/canned-responses?q=th');
    fireEvent.keyDown(box, { key: 'Enter' });
    expect((box as HTMLTextAreaElement).value).toBe('Thank you, {{contact.name}}!');
    expect(screen.queryByRole('listbox')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(calls.some((x) => x.method === 'POST')).toBe(true));
    expect(calls.find((x) => x.method === 'POST')!.body).toEqual({ text: 'Thank you, {{contact.name}}!' });
  });
});

describe('snooze choices', () => {
  it('in an hour, tomorrow at 9 and next Monday at 9, in local time', () => {
    const friday = new Date(2026, 11, 4, 16, 30);
    const [hour, tomorrow, nextWeek] = snoozeChoices(friday);
    expect(hour.until.getTime() - friday.getTime()).toBe(HOUR);
    expect([tomorrow.until.getDate(), tomorrow.until.getHours()]).toEqual([5, 9]);
    expect([nextWeek.until.getDay(), nextWeek.until.getDate(), nextWeek.until.getHours()]).toEqual([1, 7, 9]);
    const monday = new Date(2026, 11, 7, 8, 0);
    expect(snoozeChoices(monday)[2].until.getDate()).toBe(14);
  });
});
