import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { normalisePhone } from './customer-rules.js';

// The real parser, counted.
vi.mock('libphonenumber-js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('libphonenumber-js')>();
  return {
    ...actual,
    parsePhoneNumberFromString: vi.fn((text: string) => actual.parsePhoneNumberFromString(text)),
  };
});
const parse = vi.mocked(parsePhoneNumberFromString);

describe('normalisePhone', () => {
  beforeEach(() => {
    parse.mockClear();
  });

  const cases: [string, string | undefined][] = [
    ['+19203751411', '+19203751411'],
    ['+447911123456', '+447911123456'],
    ['+5511987654321', '+5511987654321'],
    ['+1920375141', undefined], // too short for +1
    ['+4479111234567890', undefined], // more than 15 digits
    ['19203751411', undefined], // no +
    ['+1 920 375 1411', undefined], // not E.164
    ['+0123456789', undefined],
  ];

  it.each(cases)('answers %s the same the first time and when asked again', (value, expected) => {
    expect(normalisePhone(value)).toBe(expected);
    expect(normalisePhone(value)).toBe(expected);
  });

  it('parses a number asked for twice (the schema, then the service) once', () => {
    expect(normalisePhone('+19203750001')).toBe('+19203750001');
    expect(normalisePhone('+19203750001')).toBe('+19203750001');
    expect(parse).toHaveBeenCalledTimes(1);
  });

  it('remembers a bounded number of answers, and stays right past the bound', () => {
    const numbers = Array.from({ length: 3000 }, (_, i) => `+1920${String(5000000 + i)}`);
    for (const number of numbers) expect(normalisePhone(number)).toBe(number);
    for (const number of numbers) expect(normalisePhone(number)).toBe(number);
    expect(normalisePhone('+1920375141')).toBeUndefined();
    // The first numbers were forgotten to make room: asked again, they are parsed again.
    parse.mockClear();
    expect(normalisePhone(numbers[0] as string)).toBe(numbers[0]);
    expect(parse).toHaveBeenCalledTimes(1);
  });

  it('never parses text that is not E.164 in shape, however long', () => {
    expect(normalisePhone(`+1${'9'.repeat(100_000)}`)).toBeUndefined();
    expect(normalisePhone('not a phone')).toBeUndefined();
    expect(parse).not.toHaveBeenCalled();
  });
});
