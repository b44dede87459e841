import { Badge, Divider, Group, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../../api/client';
import type { components } from '../../api/schema';
import { formatDateTime, formatNumber } from '../../lib/format';

type LinkedClient = components['schemas']['CrmLinkedClientResponse'];

/** What the connected CRMs know of this contact: the client, upcoming appointments, recent deals. Nothing when none is linked. */
export function ContactCrm({ contactId }: { contactId: string }) {
  const { t, i18n } = useTranslation();
  const linked = useQuery({
    queryKey: ['contact-crm', contactId],
    staleTime: 60_000,
    queryFn: async () => (await unwrap<{ items: LinkedClient[] }>(api.GET('/api/contacts/{id}/crm', { params: { path: { id: contactId } } }))).items,
  });
  const items = linked.data ?? [];
  if (items.length === 0) return null;
  const money = (amount: number | null, currency?: string | null) =>
    amount === null
      ? null
      : currency
        ? new Intl.NumberFormat(i18n.language, { style: 'currency', currency }).format(amount)
        : formatNumber(amount, i18n.language);
  return (
    <>
      <Divider label={t('crm.title')} labelPosition="left" />
      {items.map((l) => (
        <Stack key={`${l.integration.id}:${l.client.externalId}`} gap={4} data-testid="crm-client">
          <Group justify="space-between" gap={4} wrap="nowrap">
            <Text size="sm" fw={600} truncate>
              {l.client.name ?? l.client.phone ?? l.client.email ?? l.client.externalId}
            </Text>
            <Badge size="xs" variant="light" color="gray">
              {l.integration.name}
            </Badge>
          </Group>
          {l.upcomingAppointments.map((a) => (
            <Text size="xs" key={a.externalId}>
              {t('crm.appointment', {
                when: formatDateTime(String(a.startsAt), i18n.language),
                what: a.services.map((s) => s.title).join(', ') || '—',
                who: a.staffName ?? '—',
              })}{' '}
              · {t(`crm.status.${a.status}`, { defaultValue: a.status })}
            </Text>
          ))}
          {l.recentDeals.map((d) => (
            <Text size="xs" c="dimmed" key={d.externalId}>
              {[d.title, money(d.amount, d.currency), d.stage].filter(Boolean).join(' · ')}
            </Text>
          ))}
          {l.upcomingAppointments.length === 0 && l.recentDeals.length === 0 && (
            <Text size="xs" c="dimmed">
              {t('crm.nothingUpcoming')}
            </Text>
          )}
        </Stack>
      ))}
    </>
  );
}
