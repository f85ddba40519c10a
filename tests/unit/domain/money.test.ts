import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/domain/errors.js';
import {
  isSupportedCurrency,
  maxAmountMinor,
  multiply,
  sum,
  toDecimal,
  toMinorUnits,
} from '../../../src/domain/money.js';

/** Every amount money can hold, as cents. */
const cents = fc.integer({ min: -maxAmountMinor, max: maxAmountMinor });
const tooLarge = fc.integer({ min: maxAmountMinor + 1, max: Number.MAX_SAFE_INTEGER });

/** The decimal text a client would write for an amount in cents: 2999 → "29.99". */
const decimalText = (amountMinor: number) => {
  const digits = String(Math.abs(amountMinor)).padStart(3, '0');
  return `${amountMinor < 0 ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
};

describe('money', () => {
  it('converts every 2-decimal amount to minor units exactly', () => {
    fc.assert(
      fc.property(cents, (amountMinor) => {
        expect(toMinorUnits(Number(decimalText(amountMinor)), 'USD')).toBe(amountMinor);
      }),
      { numRuns: 10_000 },
    );
  });

  it('round-trips minor units through the decimal the API returns', () => {
    fc.assert(
      fc.property(cents, (amountMinor) => {
        const decimal = toDecimal(amountMinor, 'USD');
        expect(decimal).toBe(Number(decimalText(amountMinor)));
        expect(toMinorUnits(decimal, 'USD')).toBe(amountMinor);
      }),
      { numRuns: 10_000 },
    );
  });

  it('refuses amounts too large to be held exactly rather than changing them', () => {
    fc.assert(
      fc.property(tooLarge, (amountMinor) => {
        expect(() => toMinorUnits(Number(decimalText(amountMinor)), 'USD')).toThrow(ValidationError);
        expect(() => toDecimal(amountMinor, 'USD')).toThrow(ValidationError);
      }),
    );
  });

  it('converts the amounts where binary floats go wrong', () => {
    expect(toMinorUnits(0.07, 'USD')).toBe(7);
    expect(toMinorUnits(1.1, 'USD')).toBe(110);
    expect(toMinorUnits(29.99, 'USD')).toBe(2999);
    expect(toDecimal(2999, 'USD')).toBe(29.99);
    expect(toDecimal(-5, 'USD')).toBe(-0.05);
  });

  it('rejects the result of float arithmetic instead of rounding it', () => {
    expect(() => toMinorUnits(0.1 + 0.2, 'USD')).toThrow(ValidationError);
  });

  it.each([1.005, 29.999, 0.001])('rejects %d, which has three decimals', (amount) => {
    expect(() => toMinorUnits(amount, 'USD')).toThrow(ValidationError);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('rejects %d', (amount) => {
    expect(() => toMinorUnits(amount, 'USD')).toThrow(ValidationError);
  });

  it.each([1e21, 1e-7, 5e-324])('rejects %d, which prints in exponent notation', (amount) => {
    expect(() => toMinorUnits(amount, 'USD')).toThrow(ValidationError);
  });

  it('gives JPY no decimals', () => {
    expect(toMinorUnits(500, 'JPY')).toBe(500);
    expect(toDecimal(500, 'JPY')).toBe(500);
    expect(() => toMinorUnits(500.5, 'JPY')).toThrow(ValidationError);
  });

  it('refuses a currency it does not know', () => {
    expect(isSupportedCurrency('XYZ')).toBe(false);
    expect(() => toMinorUnits(1, 'XYZ')).toThrow(ValidationError);
    expect(() => toDecimal(1, 'XYZ')).toThrow(ValidationError);
  });

  it('does not treat inherited object keys as currencies', () => {
    expect(isSupportedCurrency('toString')).toBe(false);
  });

  it('multiplies and sums in whole minor units, refusing overflow', () => {
    expect(multiply(2999, 3)).toBe(8997);
    expect(sum([1, 2, 3])).toBe(6);
    expect(() => multiply(maxAmountMinor, 2)).toThrow(ValidationError);
    expect(() => sum([maxAmountMinor, 1])).toThrow(ValidationError);
  });
});
