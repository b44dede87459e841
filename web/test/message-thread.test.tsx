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
    ]);
  });
});
