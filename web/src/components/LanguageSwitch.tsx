import { SegmentedControl } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { LANGUAGES, type Language, chooseLanguage } from '../i18n';

/** English / Русский; on a narrow screen it shows EN / RU (the full name stays the accessible one). */
export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <SegmentedControl
      size="xs"
      aria-label={t('app.language')}
      value={i18n.language}
      onChange={(v) => chooseLanguage(v as Language)}
      data={LANGUAGES.map((l) => ({
        value: l.value,
        label: (
          <>
            <span className="mm-long">{l.label}</span>
            <span className="mm-short" aria-hidden="true">
              {l.value.toUpperCase()}
            </span>
          </>
        ),
      }))}
    />
  );
}
