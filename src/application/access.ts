import { Forbidden } from '../domain/errors.js';
import type { Actor } from '../domain/order-status.js';

export type Role = 'customer' | 'service' | 'admin';

/** Who is calling, as proven by the bearer token. */
export interface Principal {
  /** The token's `sub`: for a customer, its customer id. */
  subject: string;
  roles: readonly Role[];
}

export const isStaff = (principal: Principal): boolean =>
  principal.roles.includes('admin') || principal.roles.includes('service');

/** The most privileged role decides which transitions the caller may make. */
export function actorOf(principal: Principal): Actor {
  if (principal.roles.includes('admin')) return 'admin';
  if (principal.roles.includes('service')) return 'service';
  return 'customer';
}

/** A customer acts only for itself; staff act for anyone. */
export function canActFor(principal: Principal, customerId: string): boolean {
  return isStaff(principal) || principal.subject === customerId;
}

export function assertCanActFor(principal: Principal, customerId: string): void {
  if (!canActFor(principal, customerId)) throw new Forbidden('You may only act on your own orders');
}
