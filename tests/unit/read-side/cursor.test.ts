import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../../src/application/queries/cursor.js';
import { ValidationError } from '../../../src/domain/errors.js';

const newest = { field: 'createdAt', order: 'desc' } as const;

describe('the page cursor', () => {
  it('gives back the position it was made from', () => {
    const position = { value: 1_780_000_000_000, id: '019a0000-0000-7000-8000-000000000001' };
    expect(decodeCursor(encodeCursor(newest, position), newest)).toEqual(position);
  });

  it('is opaque URL-safe text', () => {
    expect(encodeCursor(newest, { value: 1, id: 'x' })).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('refuses a cursor made for another sort', () => {
    const cursor = encodeCursor({ field: 'totalAmount', order: 'asc' }, { value: 5, id: 'x' });
    expect(() => decodeCursor(cursor, newest)).toThrow(ValidationError);
  });

  it.each([
    'not-base64-json',
    Buffer.from('[1,2]').toString('base64url'),
    Buffer.from('["createdAt","desc",1.5,"x"]').toString('base64url'),
  ])('refuses %s', (cursor) => {
    expect(() => decodeCursor(cursor, newest)).toThrow(ValidationError);
  });
});
