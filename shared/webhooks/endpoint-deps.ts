import { config } from '../config/config.js';
import { tableDeps } from '../db/deps.js';
import type { EndpointDeps } from './endpoints.js';
import { webhookSigningMaster } from './signing-secrets.js';

/** The production dependencies of the endpoint use-cases: the table, the URL policy and the master key from the configuration. */
export function endpointDeps(overrides: Partial<EndpointDeps> = {}): EndpointDeps {
  return {
    ...tableDeps(overrides),
    urlPolicy: overrides.urlPolicy ?? { allowPrivate: config.webhooks.allowPrivateUrls },
    signingMaster: overrides.signingMaster ?? (() => webhookSigningMaster()),
  };
}
