import { CompiledQuery } from 'kysely';
import { describe, expect, it } from 'vitest';
import { asOneStatement } from './closing-writes.js';

describe('asOneStatement', () => {
  it('numbers the parameters of each statement after those of the ones before', () => {
    const combined = asOneStatement([
      CompiledQuery.raw('insert into a (x, y) values ($1, $2)', ['x', 'y']),
      CompiledQuery.raw(
        'update b set v = $1 where k1 = $2 and k2 = $3 and k3 = $4 and k4 = $5 and k5 = $6 and k6 = $7 and k7 = $8 and k8 = $9 and k9 = $10',
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      ),
      CompiledQuery.raw('insert into c (z) values ($1) on conflict (z) do update set n = n + $1', [
        'z',
      ]),
    ]);
    expect(combined.sql).toBe(
      'with w0 as (insert into a (x, y) values ($1, $2)), ' +
        'w1 as (update b set v = $3 where k1 = $4 and k2 = $5 and k3 = $6 and k4 = $7 and k5 = $8 and k6 = $9 and k7 = $10 and k8 = $11 and k9 = $12), ' +
        'w2 as (insert into c (z) values ($13) on conflict (z) do update set n = n + $13) select 1',
    );
    expect(combined.parameters).toEqual(['x', 'y', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 'z']);
  });

  it('refuses a statement holding a literal, where a `$1` need not be a parameter', () => {
    const withLiteral = CompiledQuery.raw("insert into a (x, y) values ($1, '$2')", ['x']);
    expect(() => asOneStatement([withLiteral, withLiteral])).toThrow(/literals/);
  });
});
