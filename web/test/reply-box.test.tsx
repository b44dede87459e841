import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { Providers } from '../src/Providers';
import type { Channel, Conversation } from '../src/api/types';
import { ReplyBox } from '../src/pages/inbox/ReplyBox';
import { HOUR, ago, channel, conversation, stubApi } from './fixtures';

function renderBox(kind: Channel['kind'], lastInboundMsAgo: number, over: Partial<Conversation> = {}) {
  const ch = channel(kind);
  const c = conversation({ channelId: ch.id, lastInboundAt: ago(lastInboundMsAgo), ...over });
  render(
    <Providers>
      <ReplyBox conversation={c} channel={ch} />
    </Providers>,
  );
  return c;
}

const replyField = () => screen.getByRole('textbox', { name: 'Reply' });
const sendButton = () => screen.getByRole('button', { name: 'Send' });

describe('reply box: the channel rules before sending', () => {
  it('inside the WhatsApp window: free text, with a countdown to its end', () => {
    renderBox('whatsapp', 2 * HOUR);
    expect(screen.getByTestId('window-countdown').textContent).toMatch(/window closes in 2[12] hr/);
    fireEvent.change(replyField(), { target: { value: 'Your order shipped' } });
    expect((sendButton() as HTMLButtonElement).disabled).toBe(false);
  });

  it('outside the WhatsApp window: only the template picker', () => {
    renderBox('whatsapp', 25 * HOUR);
    expect(screen.getByTestId('template-picker')).toBeTruthy();
    expect(screen.queryByRole('textbox', { name: 'Reply' })).toBeNull();
    expect(screen.getByText(/24-hour window is closed/)).toBeTruthy();
    const send = screen.getByRole('button', { name: 'Send template' });
    expect((send as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByRole('textbox', { name: 'Template name' }), { target: { value: 'order_update' } });
    expect((send as HTMLButtonElement).disabled).toBe(false);
  });

  it('refuses a full card number before it is sent, and accepts the last four digits', () => {
    const { calls } = stubApi({});
    renderBox('telegram', 100 * HOUR);
    fireEvent.change(replyField(), { target: { value: 'my card is 4111 1111 1111 1111 thanks' } });
    expect(screen.getByText(/looks like a full card number/)).toBeTruthy();
    expect((sendButton() as HTMLButtonElement).disabled).toBe(true);
    fireEvent.keyDown(replyField(), { key: 'Enter', ctrlKey: true });
    expect(calls).toEqual([]);
    fireEvent.change(replyField(), { target: { value: 'card ending 1111' } });
    expect(screen.queryByText(/looks like a full card number/)).toBeNull();
    expect((sendButton() as HTMLButtonElement).disabled).toBe(false);
  });

  it('a long number that fails the Luhn check is not a card number', () => {
    renderBox('whatsapp', HOUR);
    fireEvent.change(replyField(), { target: { value: 'order 4111 1111 1111 1112' } });
    expect(screen.queryByText(/looks like a full card number/)).toBeNull();
  });

  it('Messenger after a day: the HUMAN_AGENT tag; after a week: closed', () => {
    renderBox('messenger', 3 * 24 * HOUR);
    expect(screen.getByText(/HUMAN_AGENT/)).toBeTruthy();
    expect((sendButton() as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(replyField(), { target: { value: 'Sorry for the wait' } });
    expect((sendButton() as HTMLButtonElement).disabled).toBe(false);
  });

  it('Messenger after 7 days: nothing can be sent', () => {
    renderBox('messenger', 8 * 24 * HOUR);
    expect(screen.getByText(/more than 7 days ago/)).toBeTruthy();
    expect((replyField() as HTMLButtonElement).disabled).toBe(true);
  });

  it('sends the reply to the API and clears the box', async () => {
    const ch = channel('webchat');
    const c = conversation({ channelId: ch.id });
    const { calls } = stubApi({ [`POST /api/conversations/${c.id}/messages`]: () => ({ id: 'm1', status: 'queued' }) });
    render(
      <Providers>
        <ReplyBox conversation={c} channel={ch} />
      </Providers>,
    );
    fireEvent.change(replyField(), { target: { value: 'Hello there' } });
    fireEvent.click(sendButton());
    await waitFor(() => expect((replyField() as HTMLTextAreaElement).value).toBe(''));
    expect(calls).toEqual([{ method: 'POST', path: `/api/conversations/${c.id}/messages`, body: { text: 'Hello there' } }]);
  });
});
