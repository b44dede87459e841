import { Badge, Button, Card, Group, MultiSelect, NumberInput, Select, Stack, Switch, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../../api/client';
import { useChannels, useUsers } from '../../api/queries';
import type { components } from '../../api/schema';
import { useChange } from '../../lib/useChange';

type Team = components['schemas']['TeamResponse'];
type Policy = Team['assignmentPolicy'];
const POLICIES: Policy[] = ['manual', 'round_robin', 'least_loaded'];

export function useTeams() {
  return useQuery({ queryKey: ['teams'], queryFn: async () => (await unwrap<{ items: Team[] }>(api.GET('/api/teams'))).items });
}

/** Teams: who is in each, which channels route to it, and how its new conversations are assigned. */
export function TeamsSettings() {
  const { t } = useTranslation();
  const teams = useTeams();
  const [name, setName] = useState('');
  const visibility = useQuery({ queryKey: ['visibility'], queryFn: () => unwrap<{ restricted: boolean }>(api.GET('/api/settings/visibility')) });
  const restrict = useChange((restricted: boolean) => unwrap(api.PUT('/api/settings/visibility', { body: { restricted } })), {
    invalidates: [['visibility']],
  });
  const create = useChange(() => unwrap<Team>(api.POST('/api/teams', { body: { name } })), {
    done: t('teams.created'),
    invalidates: [['teams']],
    onDone: () => setName(''),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Stack>
      <Switch
        label={t('teams.restricted')}
        checked={visibility.data?.restricted ?? false}
        disabled={!visibility.data}
        onChange={(e) => restrict.mutate(e.currentTarget.checked)}
      />
      {(teams.data ?? []).map((team) => (
        <TeamCard key={`${team.id}:${team.updatedAt}`} team={team} />
      ))}
      <Card withBorder>
        <form onSubmit={submit}>
          <Group align="end">
            <TextInput label={t('teams.name')} value={name} onChange={(e) => setName(e.currentTarget.value)} required maxLength={80} />
            <Button type="submit" loading={create.isPending}>
              {t('teams.create')}
            </Button>
          </Group>
        </form>
      </Card>
    </Stack>
  );
}

function TeamCard({ team }: { team: Team }) {
  const { t } = useTranslation();
  const users = useUsers(true);
  const channels = useChannels();
  const [form, setForm] = useState({
    name: team.name,
    assignmentPolicy: team.assignmentPolicy,
    agentCapacity: team.agentCapacity,
    memberIds: team.memberIds,
    channelIds: team.channelIds,
  });
  const save = useChange(() => unwrap<Team>(api.PATCH('/api/teams/{id}', { params: { path: { id: team.id } }, body: form })), {
    done: t('teams.saved'),
    invalidates: [['teams']],
  });
  const remove = useChange(() => unwrap(api.DELETE('/api/teams/{id}', { params: { path: { id: team.id } } })), {
    done: t('teams.deleted'),
    invalidates: [['teams']],
  });
  const headingId = `team-${team.id}`;
  return (
    <Card withBorder data-testid="team-card" aria-labelledby={headingId}>
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={3} size="h5" id={headingId}>
            {team.name}
          </Title>
          <Badge variant="light">{t(`teams.policies.${team.assignmentPolicy}`)}</Badge>
        </Group>
        <Group grow align="start">
          <TextInput label={t('teams.name')} value={form.name} onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} maxLength={80} />
          <Select
            label={t('teams.policy')}
            data={POLICIES.map((p) => ({ value: p, label: t(`teams.policies.${p}`) }))}
            value={form.assignmentPolicy}
            onChange={(v) => v && setForm({ ...form, assignmentPolicy: v as Policy })}
            allowDeselect={false}
          />
          <NumberInput
            label={t('teams.capacity')}
            description={t('teams.capacityHint')}
            min={1}
            max={1000}
            value={form.agentCapacity ?? ''}
            onChange={(v) => setForm({ ...form, agentCapacity: typeof v === 'number' ? v : null })}
          />
        </Group>
        <MultiSelect
          label={t('teams.members')}
          data={(users.data ?? []).map((u) => ({ value: u.id, label: u.email }))}
          value={form.memberIds}
          onChange={(memberIds) => setForm({ ...form, memberIds })}
          searchable
        />
        <MultiSelect
          label={t('teams.channels')}
          data={(channels.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
          value={form.channelIds}
          onChange={(channelIds) => setForm({ ...form, channelIds })}
        />
        <Group justify="flex-end">
          <Group>
            <Button variant="subtle" color="red" onClick={() => remove.mutate()} loading={remove.isPending}>
              {t('settings.delete')}
            </Button>
            <Button onClick={() => save.mutate()} loading={save.isPending}>
              {t('settings.save')}
            </Button>
          </Group>
        </Group>
      </Stack>
    </Card>
  );
}
