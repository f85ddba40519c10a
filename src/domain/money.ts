import { ValidationError } from './errors.js';

/**
 * Money is an integer count of minor units (cents) plus an ISO 4217 currency. The API speaks
 * decimal numbers (29.99); they are converted here exactly, from their shortest decimal
 * representation, so no float arithmetic ever touches an amount.
 */
export interface Money {
  readonly amountMinor: number;
  readonly currency: string;
}

/** Minor-unit exponent of each accepted currency. */
const exponents: Readonly<Record<string, number>> = {
  USD: 2,
  EUR: 2,
  GBP: 2,
  CAD: 2,
  AUD: 2,
  CHF: 2,
  SEK: 2,
  NOK: 2,
  DKK: 2,
  PLN: 2,
  BRL: 2,
  MXN: 2,
  INR: 2,
  CNY: 2,
  JPY: 0,
  KRW: 0,
};

export const supportedCurrencies = Object.keys(exponents);

/** The currency of an order, a query or a report that names none. */
export const defaultCurrency = 'USD';

/**
 * The largest amount, in minor units, that survives the trip through a JSON number exactly: a
 * double holds 15 significant decimal digits (DBL_DIG), so beyond this two different 2-decimal
 * amounts can parse to the same number and a client's 80000000000000.01 would silently change.
 */
export const maxAmountMinor = 999_999_999_999_999;

function inRange(amountMinor: number): boolean {
  return Number.isSafeInteger(amountMinor) && Math.abs(amountMinor) <= maxAmountMinor;
}

export function isSupportedCurrency(currency: string): boolean {
  return Object.hasOwn(exponents, currency);
}

function exponentOf(currency: string): number {
  const exponent = exponents[currency];
  if (exponent === undefined) throw new ValidationError(`Unsupported currency ${currency}`);
  return exponent;
}

/** Converts a decimal amount (29.99) to minor units (2999); rejects more decimals than the currency has. */
export function toMinorUnits(amount: number, currency: string): number {
  const exponent = exponentOf(currency);
  if (!Number.isFinite(amount)) throw new ValidationError('Amount must be a finite number');
  const text = String(amount);
  if (/e/i.test(text)) throw new ValidationError(`Amount ${text} is out of range`);
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new ValidationError(`Amount ${text} is not a decimal number`);
  const [, sign, whole = '0', fraction = ''] = match;
  if (fraction.length > exponent) {
    throw new ValidationError(`Amount ${text} has more than ${exponent} decimal places for ${currency}`);
  }
  const minor = Number(whole + fraction.padEnd(exponent, '0'));
  if (!inRange(minor)) throw new ValidationError(`Amount ${text} is out of range`);
  return sign === '-' ? -minor : minor;
}

/** Converts minor units back to the decimal number the API returns (2999 → 29.99). */
export function toDecimal(amountMinor: number, currency: string): number {
  const exponent = exponentOf(currency);
  if (!inRange(amountMinor)) throw new ValidationError(`Amount ${amountMinor} is out of range`);
  if (exponent === 0) return amountMinor;
  const sign = amountMinor < 0 ? '-' : '';
  const digits = String(Math.abs(amountMinor)).padStart(exponent + 1, '0');
  return Number(`${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`);
}

export function multiply(amountMinor: number, quantity: number): number {
  const result = amountMinor * quantity;
  if (!inRange(result)) throw new ValidationError('Amount is out of range');
  return result;
}

export function sum(amountsMinor: readonly number[]): number {
  const result = amountsMinor.reduce((total, amount) => total + amount, 0);
  if (!inRange(result)) throw new ValidationError('Amount is out of range');
  return result;
}
