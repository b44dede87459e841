import { Badge, Button, NavLink, Select, Stack, Switch, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { ConversationFilters } from '../../api/queries';
import { useChannels, useCounts, useLabels } from '../../api/queries';

const STATUSES = ['open', 'pending', 'snoozed', 'resolved'] as const;

export function FilterSelects({ filters, onChange }: { filters: ConversationFilters; onChange: (f: ConversationFilters) => void }) {
  const { t } = useTranslation();
  const channels = useChannels();
  const labels = useLabels();
  const counts = useCounts(filters.status);
  const byStatus = counts.data?.byStatus;
  return (
    <>
      <Select
        label={t('inbox.status')}
        value={filters.status}
        onChange={(v) => onChange({ ...filters, status: (v ?? 'any') as ConversationFilters['status'] })}
        data={[
          { value: 'any', label: t('inbox.all') },
          ...STATUSES.map((s) => ({ value: s, label: byStatus ? `${t(`status.${s}`)} (${byStatus[s]})` : t(`status.${s}`) })),
        ]}
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
      <Select
        label={t('inbox.label')}
        value={filters.labelId ?? ''}
        onChange={(v) => onChange({ ...filters, labelId: v || null })}
        data={[{ value: '', label: t('inbox.anyLabel') }, ...(labels.data ?? []).map((l) => ({ value: l.id, label: l.name }))]}
        allowDeselect={false}
        size="xs"
      />
      <Switch
        label={t('inbox.unreadOnly')}
        checked={!!filters.unreadOnly}
        onChange={(e) => onChange({ ...filters, unreadOnly: e.currentTarget.checked })}
        size="xs"
        mt={4}
      />
    </>
  );
}

/** The left pane: saved views (all, mine, unassigned) and the filters. */
export function ViewsPane({ filters, onChange, onHelp }: { filters: ConversationFilters; onChange: (f: ConversationFilters) => void; onHelp: () => void }) {
  const { t } = useTranslation();
  const views = ['all', 'mine', 'unassigned'] as const;
  const counts = useCounts(filters.status);
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
            rightSection={
              counts.data ? (
                <Badge size="xs" variant="light" color="gray" data-testid={`count-${v}`}>
                  {counts.data[v]}
                </Badge>
              ) : undefined
            }
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
