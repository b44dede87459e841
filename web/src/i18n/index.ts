import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en';
import { ru } from './ru';

export const LANGUAGES = [
  { value: 'en', label: 'English' },
  { value: 'ru', label: 'Русский' },
] as const;
export type Language = (typeof LANGUAGES)[number]['value'];

const KEY = 'mm.language';

/** The user's choice if they made one, else the first of the browser's languages we speak. */
export function initialLanguage(stored: string | null = safeGet(), browser: readonly string[] = navigator.languages ?? [navigator.language]): Language {
  if (stored === 'en' || stored === 'ru') return stored;
  for (const tag of browser) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'ru' || base === 'en') return base;
  }
  return 'en';
}

function safeGet(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function chooseLanguage(lang: Language): void {
  try {
    localStorage.setItem(KEY, lang);
  } catch {
    // private mode: the choice lasts for this page only
  }
  void i18next.changeLanguage(lang);
}

export function setupI18n(lang: Language = initialLanguage()) {
  void i18next.use(initReactI18next).init({
    resources: { en: { translation: en }, ru: { translation: ru } },
    lng: lang,
    fallbackLng: 'en',
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  document.documentElement.lang = lang;
  i18next.on('languageChanged', (l) => (document.documentElement.lang = l));
  return i18next;
}
