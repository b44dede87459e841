import { AppShell, Badge, Burger, Button, Group, NavLink, Stack, Text, Title, Tooltip } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client';
import { signOut } from '../api/refresh';
import { type Session, isManager } from '../api/session';
import type { Tenant } from '../api/types';
import { useLiveStatus, useLiveUpdates } from '../live/events';
import { navigate } from '../router';
import { AvailabilitySwitch } from './AvailabilitySwitch';
import { LanguageSwitch } from './LanguageSwitch';
import { NotificationsBell } from './NotificationsBell';

/** The frame of every signed-in screen: header with the organization, navigation, language, sign-out. */
export function Shell({ session, path, children }: { session: Session; path: string; children: ReactNode }) {
  const { t } = useTranslation();
  const [opened, { toggle, close }] = useDisclosure(false);
  const tenant = useQuery({ queryKey: ['tenant'], queryFn: () => unwrap<Tenant>(api.GET('/api/tenant')) });
  const live = useLiveStatus();
  useLiveUpdates(useQueryClient(), true);

  const go = (to: string) => (e: React.MouseEvent) => {
    e.preventDefault();
    close();
    navigate(to);
  };
  const links = [
    { to: '/inbox', label: t('nav.inbox'), active: path.startsWith('/inbox') },
    ...(isManager(session)
      ? [
          { to: '/reports', label: t('nav.reports'), active: path.startsWith('/reports') },
          { to: '/settings', label: t('nav.settings'), active: path.startsWith('/settings') },
        ]
      : []),
  ];

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened, desktop: true } }} padding={0}>
      <a className="mm-skip" href="#main">
        {t('app.skip')}
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t('app.menu')} />
            <Title order={1} size="h4">
              {t('app.name')}
            </Title>
            <Text size="sm" c="dimmed" visibleFrom="md" truncate maw={200}>
              {tenant.data?.name}
            </Text>
            <Group gap={4} visibleFrom="sm" component="nav" aria-label={t('app.menu')}>
              {links.map((l) => (
                <Button
                  key={l.to}
                  component="a"
                  href={l.to}
                  onClick={go(l.to)}
                  variant={l.active ? 'light' : 'subtle'}
                  size="compact-md"
                  aria-current={l.active ? 'page' : undefined}
                >
                  {l.label}
                </Button>
              ))}
            </Group>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Tooltip label={live ? t('app.live') : t('app.offline')}>
              <Badge color={live ? 'green' : 'gray'} variant="dot" visibleFrom="xs" data-testid="live-status">
                {live ? t('app.live') : t('app.offline')}
              </Badge>
            </Tooltip>
            <Badge variant="light" color="gray" visibleFrom="md">
              {t(`roles.${session.role}`)}
            </Badge>
            {session.role !== 'operator' && <AvailabilitySwitch userId={session.userId} />}
            {session.role !== 'operator' && <NotificationsBell session={session} />}
            <LanguageSwitch />
            <Button variant="default" size="compact-sm" onClick={() => void signOut()} visibleFrom="sm">
              {t('app.signOut')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" aria-label={t('app.menu')}>
        <Stack gap={4}>
          {links.map((l) => (
            <NavLink key={l.to} href={l.to} label={l.label} active={l.active} onClick={go(l.to)} />
          ))}
          <Text size="sm" c="dimmed" mt="md">
            {tenant.data?.name} · {t(`roles.${session.role}`)}
          </Text>
          <Button variant="default" onClick={() => void signOut()}>
            {t('app.signOut')}
          </Button>
        </Stack>
      </AppShell.Navbar>
      <AppShell.Main id="main">{children}</AppShell.Main>
    </AppShell>
  );
}
