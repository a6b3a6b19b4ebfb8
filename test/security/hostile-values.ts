/** Hostile values the security and fuzz suites send in every field, parameter and path. */

/** JSON text spliced verbatim into a body: values too deep for a client's JSON.stringify. */
export class RawJson {
  constructor(readonly text: string) {}
}

const RAW_PLACEHOLDER = '@@raw-json-7f3a9c@@';

/** The body as JSON text, with every RawJson value written verbatim. */
export function serializeBody(body: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(body, (_key, value: unknown) => {
    if (!(value instanceof RawJson)) return value;
    raws.push(value.text);
    return RAW_PLACEHOLDER;
  });
  let index = 0;
  return text.replaceAll(JSON.stringify(RAW_PLACEHOLDER), () => raws[index++] ?? '');
}

/** Strings: each goes into every string field, query parameter and path parameter. */
export const HOSTILE_STRINGS: Readonly<Record<string, string>> = {
  'SQL: quote OR true': "' OR '1'='1",
  'SQL: stacked DROP': "x'); DROP TABLE customers; --",
  'SQL: UNION on secrets': '" UNION SELECT secret_hash FROM businesses --',
  'SQL: LIKE wildcards and escape': "%_\\%' --",
  '100 KB string': 'A'.repeat(100 * 1024),
  'NUL byte': 'ab\u0000cd',
  CRLF: 'a\r\nSet-Cookie: x=1',
  'right-to-left override': 'abc\u202Edef',
  'zero-width space': 'ab\u200Bcd',
  'Cyrillic look-alike': 'аdmin',
  'lone surrogate': 'x\uD800y',
  'emoji and combining marks': 'Zalgo Z̷̢͓a̵l̶g̸o 🙂',
};

/** Values of other JSON types, for the body fields. */
export const HOSTILE_JSON_VALUES: Readonly<Record<string, unknown>> = {
  'deeply nested object (50,000 levels)': new RawJson(
    `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`,
  ),
  'array of 10,000 strings': Array.from({ length: 10_000 }, () => 'x'),
  'huge number': 1e308,
  'negative number': -1,
  boolean: true,
  null: null,
  'empty object': {},
};

/** Emails that look like `admin@example.com` but are not it. */
export const LOOK_ALIKE_EMAILS: Readonly<Record<string, string>> = {
  'Cyrillic а in the local part': 'аdmin@example.com',
  'Cyrillic а in the domain': 'admin@exаmple.com',
  'right-to-left override': 'admin\u202E@example.com',
  'right-to-left mark': '\u200Fadmin@example.com',
  'zero-width joiner': 'ad\u200Dmin@example.com',
  'fullwidth @': 'admin＠example.com',
  'NUL before the domain': 'admin\u0000@example.com',
  'trailing CRLF': 'admin@example.com\r\n',
};

/** page / per_page values that must be refused with a 422 naming the parameter. */
export const BAD_PAGE_NUMBERS: readonly string[] = [
  '0',
  '-1',
  '1.5',
  '1e309',
  '99999999999999999999999999',
  '9007199254740993',
  '1000000001',
  'NaN',
  'Infinity',
  "1' OR '1'='1",
  '',
];

export const BODY_LIMIT_NESTING = 200_000;

/** A JSON text nested far deeper than any parser's recursion should follow. */
export function deeplyNestedJson(depth = BODY_LIMIT_NESTING): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/** A JSON body carrying bytes that are not UTF-8 inside a string. */
export function invalidUtf8Body(json: string, field: string): Buffer {
  const marker = '@@INVALID@@';
  const text = json.replace(new RegExp(`("${field}":")`), `$1${marker}`);
  const [before, after] = text.split(marker) as [string, string];
  return Buffer.concat([
    Buffer.from(before),
    Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
    Buffer.from(after),
  ]);
}
