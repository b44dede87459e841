import { Select } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client';
import type { components } from '../api/schema';
import { useChange } from '../lib/useChange';

type Agent = components['schemas']['AgentResponse'];
type Availability = Agent['availability'];
const STATES: Availability[] = ['online', 'away', 'offline'];
const COLOURS: Record<Availability, string> = {
  online: 'var(--mantine-color-green-6)',
  away: 'var(--mantine-color-yellow-6)',
  offline: 'var(--mantine-color-gray-5)',
};

/** The signed-in person's own availability: online takes automatically assigned conversations, away and offline do not. */
export function AvailabilitySwitch({ userId }: { userId: string }) {
  const { t } = useTranslation();
  const agents = useQuery({ queryKey: ['agents'], queryFn: async () => (await unwrap<{ items: Agent[] }>(api.GET('/api/agents'))).items });
  const mine = agents.data?.find((a) => a.userId === userId)?.availability ?? null;
  const set = useChange((availability: Availability) => unwrap<Agent>(api.PUT('/api/agents/me/availability', { body: { availability } })), {
    done: (a) => t('availability.changed', { status: t(`availability.${a.availability}`) }),
    invalidates: [['agents']],
  });
  return (
    <Select
      aria-label={t('availability.label')}
      size="xs"
      w={130}
      data={STATES.map((s) => ({ value: s, label: t(`availability.${s}`) }))}
      value={mine}
      onChange={(v) => v && v !== mine && set.mutate(v as Availability)}
      allowDeselect={false}
      disabled={!agents.data || set.isPending}
      leftSection={<span aria-hidden style={{ width: 8, height: 8, borderRadius: 4, background: mine ? COLOURS[mine] : 'transparent' }} />}
      data-testid="availability"
    />
  );
}
