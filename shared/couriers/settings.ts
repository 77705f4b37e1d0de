import { z } from 'zod';
import { config, CourierIdText, OutsideApiBase } from '../config/config.js';
import { storedSecretReader } from '../config/stored-secret.js';
import type { Courier } from './courier.js';
import { httpCourier, type CourierApiSettings } from './http-courier.js';

/** The `courier-api` secret's JSON value on AWS. */
const StoredCourierApi = z.object({ courierId: CourierIdText, baseUrl: OutsideApiBase, token: z.string().min(1) });
const readStoredCourierApi = storedSecretReader(StoredCourierApi);

/**
 * The courier's id, address and token from a function's configuration: the environment (the local platform's courier
 * sandbox, tests), or on AWS the granted `courier-api` secret, kept for a few minutes.
 */
export async function courierApiSettings(source = config.courierApi, now = Date.now()): Promise<CourierApiSettings> {
  if ('secretArn' in source) return readStoredCourierApi(source.secretArn, now);
  return source;
}

let built: { settings: string; courier: Courier } | undefined;

/**
 * The process's {@link Courier}, built once per settings: a token rolled in Secrets Manager reaches a warm function
 * within the secret's cache time, without a cold start.
 * @throws ConfigError when the function was granted neither `COURIER_API_BASE` (with `COURIER_ID` and `COURIER_API_TOKEN`) nor the `courier-api` secret
 */
export async function configuredCourier(): Promise<Courier> {
  const settings = await courierApiSettings();
  const fingerprint = JSON.stringify([settings.courierId, settings.baseUrl, settings.token]);
  if (built?.settings !== fingerprint) built = { settings: fingerprint, courier: httpCourier(settings) };
  return built.courier;
}
