import { formatWeight } from '../components/format.js';

/** The order as `GET /orders/{id}` shows it to staff: only what the console's pages read. */
export type Quantity = { count?: number; grams?: number; millilitres?: number };

export interface OrderLine {
  lineId: string;
  sku: string;
  name: string;
  soldBy: 'each' | 'pack' | 'weight' | 'volume';
  quantity: Quantity;
  total: number;
  substitution?: 'none' | 'best-match' | 'same-brand' | 'specific';
  substituteSku?: string;
  picked?: {
    quantity?: Quantity;
    substitute?: { sku: string; name: string };
    total?: number;
    proposal?: {
      substitute: { sku: string; name: string };
      quantity: Quantity;
      status: 'proposed' | 'accepted' | 'rejected';
      respondBy?: string;
      decidedBy?: string;
      price?: { total: number };
      protectedPrice?: { total: number };
    };
  };
}

export interface Shipment {
  id: string;
  carrier: string;
  status: string;
  trackingNumber?: string;
  lines?: { lineId: string; quantity?: number }[];
  createdAt?: string;
  dispatchedAt?: string;
}

export interface Order {
  id: string;
  storeId: string;
  channel: string;
  status: string;
  fulfillmentStatus?: string;
  fulfillment: { mode: 'delivery' | 'pickup' | 'in-store'; slotId?: string };
  lines: OrderLine[];
  totals: { currency: string; subtotal: number; discount: number; tax: number; fees: number; total: number };
  shipments?: Shipment[];
  packing?: { zones: { zone: string; bags: number; lineIds: string[] }[] };
  collection?: { status: 'ready' | 'collected'; failedAttempts?: number; lockedAt?: string };
  idCheckRequired?: boolean;
  createdAt: string;
  updatedAt?: string;
}

/** A quantity as a person reads it: `3`, `2 × 450 g`, `1.2 kg`, `500 ml`. */
export function describeQuantity(quantity: Quantity | undefined): string {
  if (!quantity) return '—';
  const weight = quantity.grams === undefined ? undefined : formatWeight(quantity.grams);
  if (quantity.count !== undefined && weight) return `${quantity.count} × ${weight}`;
  if (quantity.count !== undefined) return String(quantity.count);
  if (weight) return weight;
  if (quantity.millilitres !== undefined) return `${quantity.millilitres} ml`;
  return '—';
}
