import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { exportDeps } from '../../shared/personal-data/deps.js';
import { viewExport } from '../../shared/personal-data/exports.js';
import { CustomerExportParams } from '../../shared/personal-data/requests.js';

const deps = exportDeps();

/** GET /customers/{shopperId}/exports/{id}: an export customer service started, with its link once ready. */
export const handler = httpHandler({ params: CustomerExportParams })(async ({ params }) => ok(await viewExport(params.shopperId, params.id, deps)));
