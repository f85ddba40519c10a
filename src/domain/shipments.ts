import { OverShipment, ValidationError } from './errors.js';

export interface ShipmentLine {
  productId: string;
  quantity: number;
}

/**
 * Where the stock a shipment takes stands with the inventory participant. COMMIT_FAILED: no
 * reply came to any of the commit's attempts (an operator has to look); a reply arriving later
 * still moves it to COMMITTED.
 */
export const stockCommitStatuses = ['REQUESTED', 'COMMITTED', 'COMMIT_FAILED'] as const;
export type StockCommit = (typeof stockCommitStatuses)[number];

export interface Shipment {
  id: string;
  items: ShipmentLine[];
  trackingNumber: string;
  carrier: string | null;
  shippedAt: Date;
  stock: StockCommit;
}

/** Units per product, lines naming a product twice added up. */
export function unitsByProduct(lines: readonly ShipmentLine[]): Map<string, number> {
  const units = new Map<string, number>();
  for (const line of lines) units.set(line.productId, (units.get(line.productId) ?? 0) + line.quantity);
  return units;
}

/** What is ordered and neither shipped nor cancelled, per product (products with nothing left omitted). */
export function unshipped(
  ordered: readonly ShipmentLine[],
  shipments: readonly Pick<Shipment, 'items'>[],
  cancelled: readonly ShipmentLine[] = [],
): Map<string, number> {
  const left = unitsByProduct(ordered);
  for (const line of [...shipments.flatMap((shipment) => shipment.items), ...cancelled]) {
    left.set(line.productId, (left.get(line.productId) ?? 0) - line.quantity);
  }
  return new Map([...left].filter(([, quantity]) => quantity > 0));
}

/**
 * Checks a shipment's lines against what remains: every product ordered, every quantity a
 * positive integer no larger than what is left. Returns the lines merged per product.
 */
export function checkShipment(
  lines: readonly ShipmentLine[],
  remaining: ReadonlyMap<string, number>,
): ShipmentLine[] {
  if (lines.length === 0) throw new ValidationError('A shipment needs at least one item');
  const wanted = unitsByProduct(lines);
  const over = [...wanted].filter(([productId, quantity]) => quantity > (remaining.get(productId) ?? 0));
  if (over.length > 0) {
    const detail = over
      .map(
        ([productId, quantity]) => `${productId}: ${quantity} asked, ${remaining.get(productId) ?? 0} left`,
      )
      .join('; ');
    throw new OverShipment(`More than remains to ship (${detail})`);
  }
  return [...wanted].map(([productId, quantity]) => ({ productId, quantity }));
}
