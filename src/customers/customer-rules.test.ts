import referenceParse from 'libphonenumber-js';
import { parsePhoneNumberFromString } from 'libphonenumber-js/core';
import fullMetadata from 'libphonenumber-js/min/metadata';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { normalisePhone } from './customer-rules.js';

// The real parser, counted. The package's own entry (`referenceParse`, the answers
// normalisePhone must give) reaches it without this mock.
vi.mock('libphonenumber-js/core', async (importOriginal) => {
  const actual = await importOriginal<typeof import('libphonenumber-js/core')>();
  return { ...actual, parsePhoneNumberFromString: vi.fn(actual.parsePhoneNumberFromString) };
});
const parse = vi.mocked(parsePhoneNumberFromString);

/** What the library's default parse answers: the normal form of a possible number. */
function libraryAnswer(value: string): string | undefined {
  const phone = referenceParse(value);
  return phone?.isPossible() ? phone.number : undefined;
}

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

  // Numbers whose answer depends on which of the countries sharing the calling code they
  // belong to: Canada has 7-digit numbers and the US (main country of +1) none; the Isle of Man
  // only 10-digit ones, Great Britain (main country of +44) 7- and 9-digit ones too.
  const countryDependent: [string, string | undefined][] = [
    ['+13107243', '+13107243'], // CA
    ['+113103027', '+13103027'], // CA, behind +1's national prefix
    ['+447524042', undefined], // IM
    ['+44752491348', undefined], // IM
    ['+4407524664', undefined], // IM once +44's national prefix is stripped, so it is kept
    ['+59973533704', undefined], // BQ
    ['+29089004', undefined], // TA
  ];

  it.each(countryDependent)(
    'answers %s for the country the number belongs to',
    (value, expected) => {
      expect(libraryAnswer(value)).toBe(expected);
      expect(normalisePhone(value)).toBe(expected);
    },
  );

  it('answers as the library for every calling code, length and leading digits', () => {
    // A fixed pseudo-random sequence, so a failure is reproducible.
    let state = 7;
    const digit = () => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return String(state % 10);
    };
    const callingCodes = [
      ...Object.keys(fullMetadata.country_calling_codes),
      ...Object.keys(fullMetadata.nonGeographic ?? {}),
    ];
    let compared = 0;
    for (const code of callingCodes) {
      for (let length = 1; code.length + length <= 15; length++) {
        // Each leading digit, as national prefixes (0, 1, 8, 180020, 1831…) are leading digits.
        for (let first = 0; first <= 9; first++) {
          let number = `+${code}${first}`;
          while (number.length < 1 + code.length + length) number += digit();
          expect(normalisePhone(number), number).toBe(libraryAnswer(number));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(25_000);
  });

  it('never parses text that is not E.164 in shape, however long', () => {
    expect(normalisePhone(`+1${'9'.repeat(100_000)}`)).toBeUndefined();
    expect(normalisePhone('not a phone')).toBeUndefined();
    expect(parse).not.toHaveBeenCalled();
  });
});
