import { Button, Group, SegmentedControl, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, unwrap } from '../api/client';
import { useChannels, useUsers } from '../api/queries';
import type { components } from '../api/schema';
import { formatNumber, formatSeconds } from '../lib/format';
import { useTeams } from './settings/TeamsSettings';
import { errorText } from '../lib/errorText';
import { useChange } from '../lib/useChange';

type Report = components['schemas']['ConversationReportResponse'];
type Row = Report['items'][number];
type GroupBy = Report['groupBy'];
const GROUPS: GroupBy[] = ['day', 'channel', 'team', 'agent'];

const day = (d: Date) => d.toISOString().slice(0, 10);

/** Managers' numbers over a date range: per day, channel, team or agent, with CSAT, and the same as CSV. */
export function ReportsPage() {
  const { t, i18n } = useTranslation();
  const [range, setRange] = useState(() => ({ from: day(new Date(Date.now() - 6 * 86_400_000)), to: day(new Date()) }));
  const [timeZone, setTimeZone] = useState(() => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  const [groupBy, setGroupBy] = useState<GroupBy>('day');
  const query = { from: range.from, to: range.to, timeZone: timeZone.trim() || 'UTC', groupBy };
  const report = useQuery({
    queryKey: ['report', query],
    queryFn: () => unwrap<Report>(api.GET('/api/reports/conversations', { params: { query } })),
    retry: false,
  });
  const channels = useChannels();
  const teams = useTeams();
  const users = useUsers(true);
  const csv = useChange(async () => {
    const { data, response } = await api.GET('/api/reports/conversations/csv', { params: { query }, parseAs: 'blob' });
    if (!response.ok || !data) throw new ApiError(response.status, `HTTP_${response.status}`, response.statusText);
    const link = document.createElement('a');
    link.href = URL.createObjectURL(data as Blob);
    link.download = `conversations-${query.groupBy}-${query.from}-${query.to}.csv`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  });

  const keyLabel = (key: string | null) => {
    if (groupBy === 'day') return key ?? '';
    if (key === null) return groupBy === 'team' ? t('reports.noTeam') : groupBy === 'agent' ? t('reports.unassigned') : '';
    if (groupBy === 'channel') return channels.data?.find((c) => c.id === key)?.name ?? t('reports.unknown');
    if (groupBy === 'team') return teams.data?.find((x) => x.id === key)?.name ?? t('reports.unknown');
    return users.data?.find((u) => u.id === key)?.email ?? t('reports.unknown');
  };
  const secs = (s: number | null) => (s === null ? '—' : formatSeconds(s, i18n.language));
  const pair = (a: number | null, b: number | null) => `${secs(a)} / ${secs(b)}`;
  const items = report.data?.items ?? [];
  return (
    <Stack p="md" maw={1300}>
      <Title order={2} size="h3">
        {t('reports.title')}
      </Title>
      <Group align="end" wrap="wrap">
        <TextInput type="date" label={t('reports.from')} value={range.from} onChange={(e) => setRange({ ...range, from: e.currentTarget.value })} />
        <TextInput type="date" label={t('reports.to')} value={range.to} onChange={(e) => setRange({ ...range, to: e.currentTarget.value })} />
        <TextInput label={t('reports.timeZone')} value={timeZone} onChange={(e) => setTimeZone(e.currentTarget.value)} w={200} />
        <Stack gap={4}>
          <Text size="sm" fw={500} id="report-group-by">
            {t('reports.groupBy')}
          </Text>
          <SegmentedControl
            aria-labelledby="report-group-by"
            data={GROUPS.map((g) => ({ value: g, label: t(`reports.groups.${g}`) }))}
            value={groupBy}
            onChange={(v) => setGroupBy(v as GroupBy)}
          />
        </Stack>
        <Button variant="default" onClick={() => csv.mutate()} loading={csv.isPending}>
          {t('reports.csv')}
        </Button>
      </Group>
      {report.error && (
        <Text c="red" size="sm">
          {errorText(report.error)}
        </Text>
      )}
      <Table.ScrollContainer minWidth={900}>
        <Table striped aria-label={t('reports.title')} data-testid="report-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t(`reports.groups.${groupBy}`)}</Table.Th>
              <Table.Th>{t('reports.opened')}</Table.Th>
              <Table.Th>{t('reports.resolved')}</Table.Th>
              <Table.Th>{t('reports.firstResponse')}</Table.Th>
              <Table.Th>{t('reports.resolution')}</Table.Th>
              <Table.Th>{t('reports.messages')}</Table.Th>
              {groupBy !== 'day' && <Table.Th>{t('reports.backlog')}</Table.Th>}
              <Table.Th>{t('reports.csatAsked')}</Table.Th>
              <Table.Th>{t('reports.csatAnswered')}</Table.Th>
              <Table.Th>{t('reports.csatAverage')}</Table.Th>
              <Table.Th>{t('reports.csatRatings')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((r: Row) => (
              <Table.Tr key={r.key ?? '-'}>
                <Table.Td>{keyLabel(r.key)}</Table.Td>
                <Table.Td>{r.opened}</Table.Td>
                <Table.Td>{r.resolved}</Table.Td>
                <Table.Td>
                  {pair(r.firstResponseP50, r.firstResponseP90)}
                  <Text size="xs" c="dimmed">
                    {t('reports.inBusinessHours', { times: pair(r.firstResponseBusinessP50, r.firstResponseBusinessP90) })}
                  </Text>
                </Table.Td>
                <Table.Td>
                  {pair(r.resolutionP50, r.resolutionP90)}
                  <Text size="xs" c="dimmed">
                    {t('reports.inBusinessHours', { times: pair(r.resolutionBusinessP50, r.resolutionBusinessP90) })}
                  </Text>
                </Table.Td>
                <Table.Td>
                  {r.messagesIn} / {r.messagesOut}
                </Table.Td>
                {groupBy !== 'day' && <Table.Td>{r.backlog ?? '—'}</Table.Td>}
                <Table.Td>{r.csatAsked}</Table.Td>
                <Table.Td>{r.csatAnswered}</Table.Td>
                <Table.Td>{r.csatAverage === null ? '—' : formatNumber(r.csatAverage, i18n.language)}</Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{r.csatRatings.join(' · ')}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {report.isSuccess && items.length === 0 && (
        <Text c="dimmed" size="sm">
          {t('reports.none')}
        </Text>
      )}
    </Stack>
  );
}
