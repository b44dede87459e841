import { ScrollArea, Stack, Tabs, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Session } from '../../api/session';
import { navigate } from '../../router';
import { AccessSettings, AuditSettings, ExportSettings, PrivacySettings } from './PrivacySettings';
import { BusinessHoursSettings } from './BusinessHoursSettings';
import { ChannelSettings } from './ChannelSettings';
import { CsatSettings } from './CsatSettings';
import { ReplySettings } from './ReplySettings';
import { SandboxPanel } from './SandboxPanel';
import { RetentionSettings, UserSettings, WebhookSettings } from './TeamSettings';
import { TeamsSettings } from './TeamsSettings';

export const SECTIONS = ['channels', 'users', 'teams', 'hours', 'csat', 'replies', 'retention', 'webhooks', 'privacy', 'exports', 'audit', 'access'] as const;
type Section = (typeof SECTIONS)[number];

/** Owner and admin settings: one tab per area, each its own URL (/settings/<section>). */
export function SettingsPage({ section, session }: { section: string; session: Session }) {
  const { t } = useTranslation();
  const current: Section = (SECTIONS as readonly string[]).includes(section) ? (section as Section) : 'channels';
  return (
    <div style={{ padding: 16, maxWidth: 1100 }}>
      <Title order={2} size="h3" mb="md">
        {t('settings.title')}
      </Title>
      <Tabs value={current} onChange={(v) => v && navigate(`/settings/${v}`)} keepMounted={false}>
        <ScrollArea type="auto" offsetScrollbars>
          <Tabs.List style={{ flexWrap: 'nowrap' }}>
            {SECTIONS.map((s) => (
              <Tabs.Tab key={s} value={s}>
                {t(`settings.${s}`)}
              </Tabs.Tab>
            ))}
          </Tabs.List>
        </ScrollArea>
        <Tabs.Panel value="channels" pt="md">
          <Stack>
            <SandboxPanel />
            <ChannelSettings />
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="users" pt="md">
          <UserSettings session={session} />
        </Tabs.Panel>
        <Tabs.Panel value="teams" pt="md">
          <TeamsSettings />
        </Tabs.Panel>
        <Tabs.Panel value="hours" pt="md">
          <BusinessHoursSettings />
        </Tabs.Panel>
        <Tabs.Panel value="csat" pt="md">
          <CsatSettings />
        </Tabs.Panel>
        <Tabs.Panel value="replies" pt="md">
          <ReplySettings />
        </Tabs.Panel>
        <Tabs.Panel value="retention" pt="md">
          <RetentionSettings />
        </Tabs.Panel>
        <Tabs.Panel value="webhooks" pt="md">
          <WebhookSettings />
        </Tabs.Panel>
        <Tabs.Panel value="privacy" pt="md">
          <PrivacySettings />
        </Tabs.Panel>
        <Tabs.Panel value="exports" pt="md">
          <ExportSettings />
        </Tabs.Panel>
        <Tabs.Panel value="audit" pt="md">
          <AuditSettings />
        </Tabs.Panel>
        <Tabs.Panel value="access" pt="md">
          <AccessSettings />
        </Tabs.Panel>
      </Tabs>
    </div>
  );
}
