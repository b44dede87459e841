import { Button, NavLink, Select, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { ConversationFilters } from '../../api/queries';
import { useChannels } from '../../api/queries';

const STATUSES = ['open', 'pending', 'snoozed', 'resolved'] as const;

export function FilterSelects({ filters, onChange }: { filters: ConversationFilters; onChange: (f: ConversationFilters) => void }) {
  const { t } = useTranslation();
  const channels = useChannels();
  return (
    <>
      <Select
        label={t('inbox.status')}
        value={filters.status}
        onChange={(v) => onChange({ ...filters, status: (v ?? 'any') as ConversationFilters['status'] })}
        data={[{ value: 'any', label: t('inbox.all') }, ...STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))]}
        allowDeselect={false}
        size="xs"
      />
      <Select
        label={t('inbox.channel')}
        value={filters.channelId ?? ''}
        onChange={(v) => onChange({ ...filters, channelId: v || null })}
        data={[
          { value: '', label: t('inbox.anyChannel') },
          ...(channels.data ?? []).map((c) => ({ value: c.id, label: `${c.name} · ${t(`channels.kinds.${c.kind}`)}` })),
        ]}
        allowDeselect={false}
        size="xs"
      />
    </>
  );
}

/** The left pane: saved views (all, mine, unassigned) and the filters. */
export function ViewsPane({ filters, onChange, onHelp }: { filters: ConversationFilters; onChange: (f: ConversationFilters) => void; onHelp: () => void }) {
  const { t } = useTranslation();
  const views = ['all', 'mine', 'unassigned'] as const;
  return (
    <Stack gap="xs" p="sm">
      <Title order={2} size="h5" id="views-title">
        {t('inbox.views')}
      </Title>
      <nav aria-labelledby="views-title">
        {views.map((v) => (
          <NavLink
            key={v}
            component="button"
            label={t(`inbox.${v}`)}
            active={filters.view === v}
            aria-current={filters.view === v ? 'true' : undefined}
            onClick={() => onChange({ ...filters, view: v })}
          />
        ))}
      </nav>
      <FilterSelects filters={filters} onChange={onChange} />
      <Button variant="subtle" size="xs" mt="md" onClick={onHelp}>
        {t('nav.shortcuts')}{' '}
        <Text span c="dimmed" ml={6}>
          ?
        </Text>
      </Button>
    </Stack>
  );
}
