import { type QueryKey, useMutation, useQueryClient } from '@tanstack/react-query';
import { toast } from '../components/Toasts';
import { errorText } from './errorText';

export interface ChangeOptions<TResult, TArgs = void> {
  /** A toast when it worked: fixed words, or words chosen from the answer and what was asked (undefined: none). */
  done?: string | ((result: TResult, args: TArgs) => string | undefined);
  /** Queries the change makes stale: refetched once it worked. */
  invalidates?: QueryKey[];
  /** Anything else to do with the answer (clear a form, keep a one-time secret). */
  onDone?: (result: TResult, args: TArgs) => void;
  /** The screen shows `error` itself, next to the form: no toast then. */
  inlineError?: boolean;
}

/**
 * A change made through the API from a screen: once it worked, what it made stale is refetched and
 * a toast says so; a refusal shows the API's message and code, the same way on every screen.
 */
export function useChange<TArgs = void, TResult = unknown>(run: (args: TArgs) => Promise<TResult>, options: ChangeOptions<TResult, TArgs> = {}) {
  const qc = useQueryClient();
  return useMutation<TResult, Error, TArgs>({
    mutationFn: run,
    onSuccess: (result, args) => {
      const words = typeof options.done === 'function' ? options.done(result, args) : options.done;
      if (words) toast(words);
      for (const queryKey of options.invalidates ?? []) void qc.invalidateQueries({ queryKey });
      options.onDone?.(result, args);
    },
    onError: (err) => {
      if (!options.inlineError) toast(errorText(err), 'red');
    },
  });
}
