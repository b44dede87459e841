import { useEffect, useRef } from 'react';

/** Focuses the reply box (`r`). */
export const REPLY_BOX_ID = 'mm-reply-text';
/** The resolve button of the open conversation (`e`). */
export const RESOLVE_BUTTON_ID = 'mm-resolve';

const typing = (el: EventTarget | null) => el instanceof HTMLElement && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));

/** j/k: next/previous conversation; r: reply; e: resolve; ?: the shortcut sheet. Not while typing. */
export function useInboxKeys(opts: { ids: string[]; current: string | null; open: (id: string) => void; help: () => void }) {
  const ref = useRef(opts);
  ref.current = opts;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      if (document.querySelector('[role="dialog"]')) return;
      const { ids, current, open, help } = ref.current;
      const i = current ? ids.indexOf(current) : -1;
      switch (e.key) {
        case 'j':
          if (ids.length) open(ids[Math.min(ids.length - 1, i + 1)]);
          break;
        case 'k':
          if (ids.length) open(ids[Math.max(0, i - 1)]);
          break;
        case 'r':
          document.getElementById(REPLY_BOX_ID)?.focus();
          break;
        case 'e':
          document.getElementById(RESOLVE_BUTTON_ID)?.click();
          break;
        case '?':
          help();
          break;
        default:
          return;
      }
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
