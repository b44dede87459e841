import { render, screen } from '@testing-library/react';
import { Providers } from '../src/Providers';
import type { Message } from '../src/api/types';
import { MessageThread } from '../src/pages/inbox/MessageThread';
import { HOUR, ago, page, stubApi } from './fixtures';

const conversationId = '10000000-0000-4000-8000-00000000abcd';

function message(over: Partial<Message>): Message {
  return {
    id: `m-${Math.random()}`,
    conversationId,
    direction: 'inbound',
    text: null,
    attachments: [],
    status: 'received',
    error: null,
    externalId: null,
    authorId: null,
    replyToExternalId: null,
    deletedAt: null,
    editedAt: null,
    sentAt: ago(HOUR),
    createdAt: ago(HOUR),
    ...over,
  };
}

describe('message thread: what arrived, said plainly', () => {
  it('shows an e-mail subject, the automatic-reply and forwarded marks, the chosen button, and what each attachment is', async () => {
    stubApi({
      [`GET /api/conversations/${conversationId}/messages`]: () =>
        page([
          message({ text: 'I am away until Monday', subject: 'Re: your order', autoReply: true }),
          message({ text: 'Yes please', context: { forwarded: 'once', choice: { kind: 'button', id: 'confirm-42', title: 'Confirm' } } }),
          message({
            attachments: [
              { type: 'location', name: 'Red Square', url: 'geo:55.7539,37.6208' },
              { type: 'other', name: 'A WhatsApp Flow answer' },
            ],
          }),
          message({
            attachments: [
              { type: 'image', state: 'pending' },
              { type: 'file', name: 'scan.pdf', state: 'failed', failure: 'too_large' },
              { type: 'file', name: 'invoice.pdf', state: 'stored' },
            ],
          }),
        ]),
      [`GET /api/conversations/${conversationId}/notes`]: () => ({ items: [] }),
    });
    render(
      <Providers>
        <MessageThread conversationId={conversationId} selfId="30000000-0000-4000-8000-000000000001" />
      </Providers>,
    );
    expect((await screen.findByTestId('subject', {}, { timeout: 8000 })).textContent).toBe('Re: your order');
    const bubbles = screen.getAllByTestId('message');
    const away = bubbles.find((b) => b.textContent?.includes('I am away'))!;
    expect(away.textContent).toContain('automatic reply');
    const chose = bubbles.find((b) => b.textContent?.includes('Yes please'))!;
    expect(chose.textContent).toContain('forwarded');
    expect(chose.textContent).toContain('Chose: Confirm');
    expect(screen.getAllByTestId('attachment').map((a) => a.textContent)).toEqual([
      'Location: Red Square',
      'Content the inbox cannot show yet: A WhatsApp Flow answer',
      'Photo (being saved)',
      'File: scan.pdf (not saved: larger than the platform allows)',
      'File: invoice.pdf',
    ]);
  });

  it('shows the message a reply quotes above it, or says it is an earlier one', async () => {
    stubApi({
      [`GET /api/conversations/${conversationId}/messages`]: () =>
        page([
          message({ text: 'Do you deliver on Sundays?', externalId: 'wamid.ORIGINAL', sentAt: ago(3 * HOUR), createdAt: ago(3 * HOUR) }),
          message({ text: 'Only in the city', direction: 'outbound', status: 'read', replyToExternalId: 'wamid.ORIGINAL', sentAt: ago(2 * HOUR) }),
          message({ text: 'And on Saturdays?', replyToExternalId: 'wamid.NOT_LOADED' }),
          message({ text: 'Yes, that one', direction: 'outbound', status: 'queued', replyTo: { id: 'm-not-loaded', preview: 'Can I pay by card?' } }),
        ]),
      [`GET /api/conversations/${conversationId}/notes`]: () => ({ items: [] }),
    });
    render(
      <Providers>
        <MessageThread conversationId={conversationId} selfId="30000000-0000-4000-8000-000000000001" />
      </Providers>,
    );
    const quotes = await screen.findAllByTestId('quoted', {}, { timeout: 8000 });
    expect(quotes.map((q) => q.textContent)).toEqual(['Do you deliver on Sundays?', 'Replying to an earlier message', 'Can I pay by card?']);
  });
});
