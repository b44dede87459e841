import { CHECK_ID, type ErrorEntry } from './entry';

/** Uploads (media). */
export const MEDIA_ERRORS = {
  REPLY_TO_NOT_FOUND: {
    status: 400,
    meaning: "replyToMessageId names no message of this conversation (another conversation's, another organization's, or none).",
    action: 'Quote a message of the conversation you are replying in, by the id the messages list gives it.',
  },
  UPLOAD_NOT_FOUND: { status: [400, 404], meaning: 'No such upload in this organization (400 when named inside a body).', action: CHECK_ID },
  UPLOAD_FILE_REQUIRED: { status: 400, meaning: 'The multipart body has no part named `file`.', action: 'Send the file as the multipart part `file`.' },
  UPLOAD_EMPTY: { status: 400, meaning: 'The file is empty.', action: 'Send a file with content.' },
  UPLOAD_TOO_LARGE: {
    status: 413,
    meaning: 'The file is larger than uploads accept (or than the platform of the channel named takes); the message says the limit.',
    action: 'Send a smaller file, or share a link to it in the text.',
  },
  UPLOAD_TYPE_NOT_ALLOWED: {
    status: 422,
    meaning: "The file's type (sniffed from its bytes) is not one the chat accepts from visitors; the message lists the allowed types.",
    action: "Send a picture or a PDF (or what the message lists); the business sets the types in the channel's allowedUploadTypes.",
  },
  UPLOADS_OFF: {
    status: 403,
    meaning: 'This chat does not take files from visitors (its allowedUploadTypes is empty).',
    action: 'Describe it in text, or ask the business for another way to send it.',
  },
  MEDIA_QUOTA_EXCEEDED: {
    status: 413,
    meaning: "The organization's storage for files is full.",
    action: 'Delete conversations or files it no longer needs, or ask for a larger quota.',
  },
  ATTACHMENT_TOO_LARGE_FOR_CHANNEL: {
    status: 413,
    meaning: "An uploaded file is larger than the channel's platform takes for its type; the message says the limit.",
    action: 'Send a smaller file, or as a document where the platform takes larger documents.',
  },
  UPLOAD_ALREADY_SENT: {
    status: 409,
    meaning: 'The upload was sent with another message already.',
    action: 'Upload the file again for another message (the bytes are stored once either way).',
  },
} as const satisfies Record<string, ErrorEntry>;
