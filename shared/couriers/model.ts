import { z } from 'zod';

/**
 * The courier contract's shapes (integration-files/couriers/openapi.json), as zod schemas: the adapter parses the
 * courier's answers with them, the webhook receiver its events, and the local courier sandbox the requests it takes.
 * Field names are the contract's, not ours: `shared/orders/` maps them onto its shipments. What we send is strict (the
 * sandbox refuses what the contract does); what we receive keeps what we read and drops the rest, a courier's extra
 * fields being its own business.
 */

const Minor = z.number().int().nonnegative();

/** ISO 4217, in capitals. */
export const CourierCurrency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code in capitals');

export const CourierMoney = z.strictObject({ amount: Minor, currency: CourierCurrency });
export type CourierMoney = z.infer<typeof CourierMoney>;

export const CourierAddress = z.strictObject({
  line1: z.string().min(1).max(120),
  line2: z.string().min(1).max(120).optional(),
  city: z.string().min(1).max(80),
  postcode: z.string().min(1).max(16),
  country: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code'),
});
export type CourierAddress = z.infer<typeof CourierAddress>;

export const CourierWindow = z.strictObject({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) });
export type CourierWindow = z.infer<typeof CourierWindow>;

/** `timed`: within the booked window; `same_day`: by 22:00 local time; `next_day`: by 18:00 the next working day. */
export const CourierService = z.enum(['same_day', 'next_day', 'timed']);
export type CourierService = z.infer<typeof CourierService>;

export const CourierTemperature = z.enum(['ambient', 'chilled', 'frozen']);
export type CourierTemperature = z.infer<typeof CourierTemperature>;

/** The heaviest parcel a courier takes: a bag or tote over it is split before booking. */
export const MAX_PARCEL_GRAMS = 30_000;

export const CourierParcel = z.strictObject({
  /** Our label for the bag or tote. */
  reference: z.string().min(1).max(64),
  weightGrams: z.number().int().min(1).max(MAX_PARCEL_GRAMS),
  temperature: CourierTemperature,
  description: z.string().max(200).optional(),
});
export type CourierParcel = z.infer<typeof CourierParcel>;

export const CourierCollection = z.strictObject({
  /** Our id for the place of collection: the store. */
  locationReference: z.string().min(1).max(64),
  address: CourierAddress,
  readyAt: z.iso.datetime({ offset: true }),
});
export type CourierCollection = z.infer<typeof CourierCollection>;

/** A shipment's reference as the contract allows it: SmartShelf sends `<orderId>/<shipmentId>`. */
export const CourierReference = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9:_./-]{0,127}$/, 'letters, digits and : _ . / -, at most 128');

export const QuoteRequest = z.strictObject({
  collection: CourierCollection,
  delivery: z.strictObject({ address: CourierAddress, window: CourierWindow.optional() }),
  parcels: z.array(CourierParcel).min(1).max(50),
  ageVerification: z.boolean().optional(),
});
export type QuoteRequest = z.infer<typeof QuoteRequest>;

export const CourierQuote = z.object({
  quoteId: z.string().min(1),
  service: CourierService,
  price: CourierMoney,
  deliveryWindow: CourierWindow,
  expiresAt: z.iso.datetime({ offset: true }),
});
export type CourierQuote = z.infer<typeof CourierQuote>;

export const QuoteList = z.object({ quotes: z.array(CourierQuote) });

export const BookingRequest = z.strictObject({
  reference: CourierReference,
  service: CourierService,
  collection: CourierCollection,
  delivery: z.strictObject({
    recipient: z.strictObject({ name: z.string().min(1).max(120), phone: z.string().max(32).optional() }),
    address: CourierAddress,
    window: CourierWindow,
    instructions: z.string().max(500).optional(),
  }),
  parcels: z.array(CourierParcel).min(1).max(50),
  ageVerification: z.boolean(),
  metadata: z.record(z.string(), z.string().max(200)).optional(),
});
export type BookingRequest = z.infer<typeof BookingRequest>;

export const CancelRequest = z.strictObject({ reason: z.string().max(500).optional() });
export type CancelRequest = z.infer<typeof CancelRequest>;

/**
 * Where a courier's shipment is: `booked` → `collected` → `in_transit` → `out_for_delivery` → `delivered`; a failed
 * attempt is `delivery_failed` (with a reason), after which the courier tries again or brings the parcels back
 * (`returned_to_sender`); `cancelled` only before collection.
 */
export const COURIER_STATUSES = ['booked', 'collected', 'in_transit', 'out_for_delivery', 'delivered', 'delivery_failed', 'returned_to_sender', 'cancelled'] as const;
export const CourierStatus = z.enum(COURIER_STATUSES);
export type CourierStatus = z.infer<typeof CourierStatus>;

export const CourierFailureReason = z.enum(['not_at_home', 'refused', 'age_check_failed', 'address_not_found', 'damaged']);
export type CourierFailureReason = z.infer<typeof CourierFailureReason>;

export const CourierShipment = z.object({
  shipmentId: z.string().min(1),
  reference: z.string().min(1),
  status: CourierStatus,
  service: CourierService,
  trackingNumber: z.string().min(1),
  trackingUrl: z.url(),
  labelUrl: z.url(),
  price: CourierMoney,
  deliveryWindow: CourierWindow,
  eta: CourierWindow.optional(),
  parcels: z.array(z.object({ parcelId: z.string().min(1), reference: z.string(), weightGrams: z.number().int().min(1), temperature: CourierTemperature })),
  ageVerification: z.boolean(),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
});
export type CourierShipment = z.infer<typeof CourierShipment>;

export const CourierLabel = z.object({
  shipmentId: z.string().min(1),
  trackingNumber: z.string().min(1),
  format: z.enum(['pdf', 'zpl']),
  contentType: z.enum(['application/pdf', 'application/x-zpl']),
  /** The file, base64. */
  data: z.base64(),
});
export type CourierLabel = z.infer<typeof CourierLabel>;

export const CourierTrackingEvent = z
  .object({
    eventId: z.string().min(1),
    shipmentId: z.string().min(1),
    reference: z.string().min(1),
    trackingNumber: z.string().min(1),
    status: CourierStatus,
    /** Per shipment, one more for each event in the order the courier saw them: the order to apply them in. */
    sequence: z.number().int().min(1),
    occurredAt: z.iso.datetime({ offset: true }),
    description: z.string().max(200),
    failureReason: CourierFailureReason.optional(),
    eta: CourierWindow.optional(),
    location: z.object({ name: z.string().max(120).optional(), latitude: z.number().min(-90).max(90).optional(), longitude: z.number().min(-180).max(180).optional() }).optional(),
    proofOfDelivery: z.object({ recipientName: z.string().max(120).optional(), ageVerified: z.boolean(), photoUrl: z.url().optional() }).optional(),
  })
  .refine((event) => event.status !== 'delivery_failed' || event.failureReason !== undefined, { message: 'a failed delivery names its failureReason', path: ['failureReason'] });
export type CourierTrackingEvent = z.infer<typeof CourierTrackingEvent>;

export const TrackingEventList = z.object({ items: z.array(CourierTrackingEvent) });

/** The one webhook a courier sends, `tracking.updated`: every status change, failed attempt and new ETA. */
export const TRACKING_UPDATED = 'tracking.updated';

export const CourierWebhookEvent = z.object({
  id: z.string().min(1).max(255),
  type: z.literal(TRACKING_UPDATED),
  /** Unix seconds. */
  created: z.number().int().nonnegative(),
  data: z.object({ object: CourierTrackingEvent }),
});
export type CourierWebhookEvent = z.infer<typeof CourierWebhookEvent>;
