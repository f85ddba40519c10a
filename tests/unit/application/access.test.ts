import { describe, expect, it } from 'vitest';
import {
  actorOf,
  assertCanActFor,
  canActFor,
  isStaff,
  type Principal,
  type Role,
} from '../../../src/application/access.js';
import { Forbidden } from '../../../src/domain/errors.js';

const principal = (subject: string, ...roles: Role[]): Principal => ({ subject, roles });

describe('access rules', () => {
  it('lets a customer act for itself', () => {
    expect(canActFor(principal('c-1', 'customer'), 'c-1')).toBe(true);
  });

  it('does not let a customer act for another customer', () => {
    expect(canActFor(principal('c-1', 'customer'), 'c-2')).toBe(false);
    expect(() => assertCanActFor(principal('c-1', 'customer'), 'c-2')).toThrow(Forbidden);
  });

  it.each(['admin', 'service'] as const)('lets %s act for any customer', (role) => {
    expect(canActFor(principal('staff-1', role), 'c-2')).toBe(true);
    expect(() => assertCanActFor(principal('staff-1', role), 'c-2')).not.toThrow();
  });

  it('counts admin and service as staff, not customer', () => {
    expect(isStaff(principal('x', 'admin'))).toBe(true);
    expect(isStaff(principal('x', 'service'))).toBe(true);
    expect(isStaff(principal('x', 'customer'))).toBe(false);
  });

  it.each([
    [['customer'], 'customer'],
    [['service'], 'service'],
    [['admin'], 'admin'],
    [['customer', 'service'], 'service'],
    [['service', 'admin'], 'admin'],
    [['customer', 'admin'], 'admin'],
  ] as const)('makes roles %j act as %s', (roles, actor) => {
    expect(actorOf(principal('x', ...roles))).toBe(actor);
  });
});
