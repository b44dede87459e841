import { render, screen, waitFor, within } from '@testing-library/react';
import { Providers } from '../src/Providers';
import type { Contact } from '../src/api/types';
import { ContactPanel } from '../src/pages/inbox/ContactPanel';
import { HOUR, ago, channel, stubApi } from './fixtures';

const contact: Contact = {
  id: '20000000-0000-4000-8000-00000000c0de',
  displayName: 'Ada',
  identities: [],
  consents: [],
  createdAt: ago(HOUR),
  updatedAt: ago(HOUR),
};

function renderPanel(crmItems: unknown[]) {
  const api = stubApi({
    [`GET /api/contacts/${contact.id}/consents`]: () => ({ items: [] }),
    [`GET /api/contacts/${contact.id}/crm`]: () => ({ items: crmItems }),
  });
  render(
    <Providers>
      <ContactPanel contact={contact} channels={[channel('whatsapp')]} canErase={false} />
    </Providers>,
  );
  return api;
}

describe('contact panel: CRM data where a CRM is connected', () => {
  it('shows the linked client, the upcoming appointment and the recent deal', async () => {
    const { calls } = renderPanel([
      {
        integration: { id: 'i1', name: 'Salon YCLIENTS', kind: 'yclients' },
        matchedBy: 'phone',
        client: { externalId: '77', name: 'Ada Lovelace', phone: '+79161234567', email: null, remoteUpdatedAt: null },
        upcomingAppointments: [
          {
            externalId: 'a1',
            startsAt: '2030-01-02T10:00:00.000Z',
            durationSeconds: 3600,
            services: [{ externalId: 's1', title: 'Haircut', cost: 1500 }],
            staffName: 'Olga',
            amount: 1500,
            status: 'confirmed',
          },
        ],
        recentDeals: [{ externalId: 'd1', title: 'Gift card', amount: 3000, currency: 'RUB', stage: 'Paid', status: 'won', remoteUpdatedAt: null }],
      },
    ]);
    const client = await screen.findByTestId('crm-client', {}, { timeout: 8000 });
    expect(within(client).getByText('Ada Lovelace')).toBeTruthy();
    expect(within(client).getByText('Salon YCLIENTS')).toBeTruthy();
    expect(client.textContent).toMatch(/Haircut with Olga · confirmed/);
    expect(client.textContent).toMatch(/Gift card · .*3,000.* · Paid/);
    expect(calls.map((c) => c.path)).toContain(`/api/contacts/${contact.id}/crm`);
  });

  it('shows nothing of CRM when no client is linked', async () => {
    const { calls } = renderPanel([]);
    await screen.findByTestId('consent-whatsapp_opt_in', {}, { timeout: 8000 });
    await waitFor(() => expect(calls.map((c) => c.path)).toContain(`/api/contacts/${contact.id}/crm`));
    await new Promise((r) => setTimeout(r, 100));
    expect(screen.queryByText('CRM')).toBeNull();
  });
});
