/**
 * Bundles the compiled program (dist/main.js and what it imports) into dist/bundle/, the code
 * `npm start`, the `clientele` command, the process tests and the benchmark run.
 *
 * Why: on Node 20 loading the program module by module — resolving, reading and compiling
 * ~1,100 small ESM and CommonJS files (Kysely alone is ~260) — was two thirds of the time
 * from start to serving (~650 of ~1,100 ms on the benchmark machine). One bundle loads in a
 * fraction of that. (Node 22's module compile cache would be the other way; Node 20 has none.)
 *
 * Left outside the bundle, loaded from node_modules as before: packages that read files of their
 * own package at run time (@fastify/swagger, @fastify/swagger-ui and its static assets) or start
 * worker files (pino), native code (better-sqlite3), and the drivers loaded only when configured
 * (pg, ioredis, undici: see requireOnDemand in src/).
 */
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const OUT_DIR = 'dist/bundle';

const EXTERNAL = [
  '@fastify/swagger',
  '@fastify/swagger-ui',
  'better-sqlite3',
  'ioredis',
  'pg',
  'pino',
  'undici',
];

rmSync(OUT_DIR, { recursive: true, force: true });
await build({
  entryPoints: ['dist/main.js'],
  outdir: OUT_DIR,
  bundle: true,
  // The commands main.js imports on demand stay separate chunks, loaded on demand.
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  // CommonJS packages inside an ESM bundle call `require` for Node's built-in modules.
  banner: {
    js: "import { createRequire as bundleCreateRequire } from 'node:module'; const require = bundleCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
