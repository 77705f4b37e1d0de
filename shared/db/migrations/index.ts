import { stampSchemaVersion } from './0001-stamp-schema-version.js';
import { splitIntegrationRole } from './0002-split-integration-role.js';
import { substitutionPreferences } from './0003-substitution-preferences.js';
import { storeAreas } from './0004-store-areas.js';
import { shopperActivity } from './0005-shopper-activity.js';
import { bundleComponents } from './0006-bundle-components.js';
import { auditActorIndex } from './0007-audit-actor-index.js';
import type { Migration } from './types.js';

/** Every data migration, oldest first. Append new ones; never edit or reorder applied ones. */
export const migrations: readonly Migration[] = [stampSchemaVersion, splitIntegrationRole, substitutionPreferences, storeAreas, shopperActivity, bundleComponents, auditActorIndex];
