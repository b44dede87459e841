import { Badge, Button, Card, Checkbox, Group, Select, Stack, Table, TextInput, Textarea, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../../api/client';
import { useChannels } from '../../api/queries';
import type { components } from '../../api/schema';
import { useTeams } from './TeamsSettings';
import { useChange } from '../../lib/useChange';

type Hours = components['schemas']['BusinessHoursResponse'];
type Day = Hours['weekly'][number]['day'];
const DAYS: Day[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const browserTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** One interval per day is what the screen edits; the API takes several. */
interface DayRow {
  open: boolean;
  from: string;
  to: string;
}
const rowsOf = (weekly: Hours['weekly']): Record<Day, DayRow> =>
  Object.fromEntries(
    DAYS.map((d) => {
      const i = weekly.find((w) => w.day === d);
      return [d, i ? { open: true, from: i.open, to: i.close } : { open: false, from: '09:00', to: '18:00' }];
    }),
  ) as Record<Day, DayRow>;
const weeklyOf = (rows: Record<Day, DayRow>) => DAYS.filter((d) => rows[d].open).map((d) => ({ day: d, open: rows[d].from, close: rows[d].to }));

/** Business hours per channel or team: the weekly schedule in its time zone, holidays, and the automatic replies. */
export function BusinessHoursSettings() {
  const { t } = useTranslation();
  const channels = useChannels();
  const teams = useTeams();
  const hours = useQuery({
    queryKey: ['business-hours'],
    queryFn: async () => (await unwrap<{ items: Hours[] }>(api.GET('/api/business-hours'))).items,
  });
  const [owner, setOwner] = useState<string | null>(null);
  const taken = new Set((hours.data ?? []).flatMap((h) => [h.channelId, h.teamId]));
  const owners = [
    ...(channels.data ?? []).filter((c) => !taken.has(c.id)).map((c) => ({ value: `channel:${c.id}`, label: t('hours.channel', { name: c.name }) })),
    ...(teams.data ?? []).filter((x) => !taken.has(x.id)).map((x) => ({ value: `team:${x.id}`, label: t('hours.team', { name: x.name }) })),
  ];
  const create = useChange(
    () => {
      const [kind, id] = owner!.split(':');
      const weekly = DAYS.slice(0, 5).map((day) => ({ day, open: '09:00', close: '18:00' }));
      return unwrap<Hours>(
        api.POST('/api/business-hours', { body: { ...(kind === 'channel' ? { channelId: id } : { teamId: id }), timeZone: browserTimeZone(), weekly } }),
      );
    },
    { done: t('hours.created'), invalidates: [['business-hours']], onDone: () => setOwner(null) },
  );
  const ownerName = (h: Hours) =>
    h.channelId
      ? t('hours.channel', { name: channels.data?.find((c) => c.id === h.channelId)?.name ?? h.channelId })
      : t('hours.team', { name: teams.data?.find((x) => x.id === h.teamId)?.name ?? h.teamId });
  return (
    <Stack>
      {(hours.data ?? []).map((h) => (
        <HoursCard key={`${h.id}:${h.updatedAt}`} hours={h} title={ownerName(h)} />
      ))}
      <Card withBorder>
        <Group align="end">
          <Select label={t('hours.for')} data={owners} value={owner} onChange={setOwner} w={320} />
          <Button disabled={!owner} loading={create.isPending} onClick={() => create.mutate()}>
            {t('hours.add')}
          </Button>
        </Group>
      </Card>
    </Stack>
  );
}

function HoursCard({ hours, title }: { hours: Hours; title: string }) {
  const { t } = useTranslation();
  const [timeZone, setTimeZone] = useState(hours.timeZone);
  const [rows, setRows] = useState(rowsOf(hours.weekly));
  const [holidays, setHolidays] = useState(hours.holidays.join(', '));
  const [outOfOffice, setOutOfOffice] = useState(hours.outOfOfficeReply ?? '');
  const [greeting, setGreeting] = useState(hours.greeting ?? '');
  const setRow = (d: Day, change: Partial<DayRow>) => setRows({ ...rows, [d]: { ...rows[d], ...change } });
  const save = useChange(
    () =>
      unwrap<Hours>(
        api.PATCH('/api/business-hours/{id}', {
          params: { path: { id: hours.id } },
          body: {
            timeZone: timeZone.trim(),
            weekly: weeklyOf(rows),
            holidays: holidays
              .split(/[,\s]+/)
              .map((d) => d.trim())
              .filter(Boolean),
            outOfOfficeReply: outOfOffice.trim() || null,
            greeting: greeting.trim() || null,
          },
        }),
      ),
    { done: t('hours.saved'), invalidates: [['business-hours']] },
  );
  const remove = useChange(() => unwrap(api.DELETE('/api/business-hours/{id}', { params: { path: { id: hours.id } } })), {
    done: t('hours.deleted'),
    invalidates: [['business-hours']],
  });
  const headingId = `hours-${hours.id}`;
  return (
    <Card withBorder data-testid="hours-card" aria-labelledby={headingId}>
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={3} size="h5" id={headingId}>
            {title}
          </Title>
          <Badge color={hours.openNow ? 'green' : 'gray'} variant="light">
            {hours.openNow ? t('hours.openNow') : t('hours.closedNow')}
          </Badge>
        </Group>
        <TextInput label={t('hours.timeZone')} value={timeZone} onChange={(e) => setTimeZone(e.currentTarget.value)} w={260} />
        <Table>
          <Table.Tbody>
            {DAYS.map((d) => (
              <Table.Tr key={d}>
                <Table.Td>
                  <Checkbox label={t(`hours.days.${d}`)} checked={rows[d].open} onChange={(e) => setRow(d, { open: e.currentTarget.checked })} />
                </Table.Td>
                <Table.Td>
                  {rows[d].open ? (
                    <Group gap="xs" wrap="nowrap">
                      <TextInput
                        aria-label={`${t(`hours.days.${d}`)}: ${t('hours.open')}`}
                        type="time"
                        size="xs"
                        value={rows[d].from}
                        onChange={(e) => setRow(d, { from: e.currentTarget.value })}
                      />
                      –
                      <TextInput
                        aria-label={`${t(`hours.days.${d}`)}: ${t('hours.close')}`}
                        type="time"
                        size="xs"
                        value={rows[d].to === '24:00' ? '23:59' : rows[d].to}
                        onChange={(e) => setRow(d, { to: e.currentTarget.value })}
                      />
                    </Group>
                  ) : (
                    t('hours.closedDay')
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <TextInput label={t('hours.holidays')} description={t('hours.holidaysHint')} value={holidays} onChange={(e) => setHolidays(e.currentTarget.value)} />
        <Textarea
          label={t('hours.outOfOffice')}
          description={t('hours.outOfOfficeHint')}
          value={outOfOffice}
          onChange={(e) => setOutOfOffice(e.currentTarget.value)}
          maxLength={1000}
          autosize
          minRows={2}
        />
        <Textarea
          label={t('hours.greeting')}
          description={t('hours.greetingHint')}
          value={greeting}
          onChange={(e) => setGreeting(e.currentTarget.value)}
          maxLength={1000}
          autosize
          minRows={2}
        />
        <Group justify="flex-end">
          <Button variant="subtle" color="red" onClick={() => remove.mutate()} loading={remove.isPending}>
            {t('settings.delete')}
          </Button>
          <Button onClick={() => save.mutate()} loading={save.isPending}>
            {t('settings.save')}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
