import { Directory1764400000001 } from './directory/1764400000001-directory';
import { ConversationCore1764400000000 } from './region/1764400000000-conversation-core';

/** Applied to every region's database. */
export const REGION_MIGRATIONS = [ConversationCore1764400000000];
/** Applied only to the default region's database, which hosts the directory. */
export const DIRECTORY_MIGRATIONS = [Directory1764400000001];
