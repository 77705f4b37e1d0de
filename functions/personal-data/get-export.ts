import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { exportDeps } from '../../shared/personal-data/deps.js';
import { viewExport } from '../../shared/personal-data/exports.js';
import { ExportParams } from '../../shared/personal-data/requests.js';

const deps = exportDeps();

/** GET /me/exports/{id}: the caller's export, with a 15-minute download link once ready; another shopper's is a 404. */
export const handler = httpHandler({ params: ExportParams })(async (input) => ok(await viewExport(requirePrincipal(input).subject, input.params.id, deps)));
