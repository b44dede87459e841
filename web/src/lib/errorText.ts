import { ApiError } from '../api/client';

/** What a failed call says to the person: the API's message and its stable code, or the error's own message. */
export const errorText = (err: unknown): string => (err instanceof ApiError ? `${err.message} (${err.code})` : String((err as Error)?.message ?? err));
