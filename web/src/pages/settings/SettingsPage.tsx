import { Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Session } from '../../api/session';

export function SettingsPage(_: { section: string; session: Session }) {
  const { t } = useTranslation();
  return <Text p="md">{t('settings.title')}</Text>;
}
