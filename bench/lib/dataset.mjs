/**
 * Deterministic synthetic customers, shaped like `CustomerRecord` (src/storage/records.ts).
 * The mix is chosen so the list filters select a realistic fraction: `country=BRA` about 20%,
 * `customer_type=business` about 20%, `kyc_status=approved` about 45%.
 */

/** @typedef {{ value: string, weight: number }} Weighted */

/** Countries with their calling codes; weights in percent. */
const COUNTRIES = [
  { value: 'USA', code: '1', weight: 30 },
  { value: 'BRA', code: '55', weight: 20 },
  { value: 'MEX', code: '52', weight: 15 },
  { value: 'COL', code: '57', weight: 8 },
  { value: 'ARG', code: '54', weight: 7 },
  { value: 'CHL', code: '56', weight: 6 },
  { value: 'PER', code: '51', weight: 5 },
  { value: 'GBR', code: '44', weight: 4 },
  { value: 'ESP', code: '34', weight: 3 },
  { value: 'DEU', code: '49', weight: 2 },
];

/** @type {Weighted[]} */
const KYC_STATUSES = [
  { value: 'approved', weight: 45 },
  { value: 'not_started', weight: 20 },
  { value: 'under_review', weight: 12 },
  { value: 'pending', weight: 8 },
  { value: 'rejected', weight: 7 },
  { value: 'manual_review', weight: 4 },
  { value: 'incomplete', weight: 3 },
  { value: 'awaiting_ubo', weight: 1 },
];

const FIRST_NAMES = ['Ana', 'Bruno', 'Carla', 'Diego', 'Elena', 'Felipe', 'Gabriela', 'Hugo'];
const LAST_NAMES = ['Silva', 'Santos', 'Garcia', 'Lopez', 'Martinez', 'Smith', 'Rossi', 'Costa'];
const CITIES = ['Sao Paulo', 'Mexico City', 'Bogota', 'Austin', 'Lima', 'Santiago', 'Madrid'];

/** Mulberry32: a tiny seeded PRNG, so every run seeds the same dataset. */
export function randomSource(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * @template {{ weight: number }} T
 * @param {T[]} items
 * @param {number} roll in [0, 1)
 * @returns {T}
 */
function weighted(items, roll) {
  let left = roll * 100;
  for (const item of items) {
    left -= item.weight;
    if (left < 0) return item;
  }
  return items[items.length - 1];
}

/**
 * @param {() => number} random
 * @param {number} length
 */
function digits(random, length) {
  let out = String(1 + Math.floor(random() * 9));
  while (out.length < length) out += String(Math.floor(random() * 10));
  return out;
}

/**
 * One customer record (camelCase, as the repositories take it).
 * @param {object} input
 * @param {string} input.businessId
 * @param {string} input.customerId a UUIDv7 made from `createdMs`
 * @param {number} input.sequence unique across the dataset: makes the email unique
 * @param {number} input.createdMs
 * @param {() => number} input.random
 * @param {(date: Date) => string} input.toTimestamp
 */
export function customerRecord({
  businessId,
  customerId,
  sequence,
  createdMs,
  random,
  toTimestamp,
}) {
  const country = weighted(COUNTRIES, random());
  const kycStatus = weighted(KYC_STATUSES, random()).value;
  const isBusiness = random() < 0.2;
  const first = FIRST_NAMES[Math.floor(random() * FIRST_NAMES.length)];
  const last = LAST_NAMES[Math.floor(random() * LAST_NAMES.length)];
  const approved = kycStatus === 'approved';
  // A few approved customers are suspended: they keep the KYC status but lose the flags.
  const status = approved ? (random() < 0.05 ? 'suspended' : 'active') : 'pending';
  const flag = approved && status === 'active' ? 1 : 0;
  const createdAt = toTimestamp(new Date(createdMs));
  const hasAddress = random() < 0.7;
  return {
    businessId,
    customerId,
    name: isBusiness ? `${last} ${first} Ltda` : `${first} ${last}`,
    email: `${first}.${last}.${sequence}@example.com`.toLowerCase(),
    phone: `+${country.code}${digits(random, 10)}`,
    country: country.value,
    address: hasAddress
      ? {
          city: CITIES[Math.floor(random() * CITIES.length)],
          zipcode: digits(random, 5),
          street: 'Avenida Central',
          number: String(1 + Math.floor(random() * 2000)),
          country: country.value,
        }
      : null,
    type: isBusiness ? 'business' : 'individual',
    status,
    kycStatus,
    kycRejectReason: kycStatus === 'rejected' ? 'Document expired' : null,
    canCreateVc: flag,
    canCreateVa: flag,
    kycVerifiedDate: approved ? createdAt : null,
    identityDocument: null,
    createdAt,
    updatedAt: createdAt,
  };
}
