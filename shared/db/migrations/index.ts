import { stampSchemaVersion } from './0001-stamp-schema-version.js';
import type { Migration } from './types.js';

/** Every data migration, oldest first. Append new ones; never edit or reorder applied ones. */
export const migrations: readonly Migration[] = [stampSchemaVersion];
