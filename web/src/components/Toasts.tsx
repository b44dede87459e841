import { Notification, Stack } from '@mantine/core';
import { useSyncExternalStore } from 'react';

interface Toast {
  id: number;
  message: string;
  color: 'green' | 'red' | 'blue';
}

let toasts: Toast[] = [];
let next = 1;
const listeners = new Set<() => void>();
const emit = () => listeners.forEach((l) => l());

/** A short message in the corner: `toast('Saved')`, `toast(err.message, 'red')`. */
export function toast(message: string, color: Toast['color'] = 'green'): void {
  const id = next++;
  toasts = [...toasts, { id, message, color }].slice(-4);
  emit();
  setTimeout(() => dismiss(id), color === 'red' ? 8000 : 4000);
}

function dismiss(id: number) {
  toasts = toasts.filter((t) => t.id !== id);
  emit();
}

export function Toasts() {
  const list = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => toasts,
  );
  if (list.length === 0) return null;
  return (
    <Stack className="mm-toasts" gap="xs" role="status" aria-live="polite">
      {list.map((t) => (
        <Notification key={t.id} color={t.color} onClose={() => dismiss(t.id)} withBorder closeButtonProps={{ 'aria-label': 'Close' }}>
          {t.message}
        </Notification>
      ))}
    </Stack>
  );
}
