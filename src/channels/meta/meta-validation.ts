/** A Graph object id (Page, Instagram account, phone number, WABA). */
export const META_NUMERIC_ID = /^\d{1,32}$/;
/** An access token as pasted: printable ASCII, no spaces. */
export const META_TOKEN = /^[\x21-\x7e]{8,4096}$/;
