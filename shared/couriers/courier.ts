import type { BookingRequest, CourierLabel, CourierQuote, CourierShipment, CourierTrackingEvent, QuoteRequest } from './model.js';

/**
 * The port to a third-party courier (integration-files/couriers/openapi.json). Fulfilment books a shipment through it
 * when a shipment leaves by courier; the courier's tracking comes back as webhooks, not through the port. One HTTP
 * implementation (`http-courier.ts`) reaches the local sandbox and a real courier alike: only the base URL and token
 * differ.
 */
export interface Courier {
  /** The carrier id of the shipments booked through it (`acme-parcels`): `Shipment.carrier`. */
  readonly id: string;
  /** Prices a delivery per service; nothing is reserved. */
  quote(request: QuoteRequest): Promise<CourierQuote[]>;
  /**
   * Books a shipment. `idempotencyKey` is derived from our shipment ({@link bookingKey}) and the request from its
   * stored facts alone, so a retry, or a second dispatcher racing the first, gets the same booking back.
   */
  book(request: BookingRequest, idempotencyKey: string): Promise<CourierShipment>;
  /** Cancels a shipment the courier has not collected yet (a 409 `not_cancellable` after). */
  cancel(shipmentId: string, idempotencyKey: string, reason?: string): Promise<CourierShipment>;
  /** The label to print for the parcels. */
  label(shipmentId: string, format?: 'pdf' | 'zpl'): Promise<CourierLabel>;
  /** Every tracking event of a shipment, oldest first: what the webhooks carried, for one that went missing. */
  trackingEvents(shipmentId: string): Promise<CourierTrackingEvent[]>;
}

/** The booking key of one of our shipments: the same shipment is never booked twice, whoever dispatches it. */
export function bookingKey(orderId: string, shipmentId: string): string {
  return `shipment:${orderId}:${shipmentId}`;
}

/** The courier's `reference` for one of our shipments, echoed in its answers and webhooks. */
export function shipmentReference(orderId: string, shipmentId: string): string {
  return `${orderId}/${shipmentId}`;
}

/** Our order and shipment from a courier's `reference`, or undefined when it is not one of ours. */
export function parseShipmentReference(reference: string): { orderId: string; shipmentId: string } | undefined {
  const match = /^([^/]+)\/([^/]+)$/.exec(reference);
  return match ? { orderId: match[1]!, shipmentId: match[2]! } : undefined;
}

/** The courier failed in a way a retry with the same key may fix: 5xx, 429, 409 `idempotency_key_in_use`, a timeout or a lost connection. */
export class CourierUnavailableError extends Error {
  override readonly name = 'CourierUnavailableError';
  constructor(
    message: string,
    /** From the last answer's Retry-After, when it had one. */
    readonly retryAfterSeconds?: number,
    /** The HTTP status, when an answer arrived at all. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The courier refused: a 4xx other than those, which the same request would meet again. */
export class CourierRefusedError extends Error {
  override readonly name = 'CourierRefusedError';
  constructor(
    message: string,
    readonly status: number,
    /** The courier's error code (`not_serviceable`, `not_cancellable`, `idempotency_key_reused`, ...). */
    readonly code?: string,
    /** The courier's own words, safe to show to staff. */
    readonly detail?: string,
  ) {
    super(message);
  }
}
