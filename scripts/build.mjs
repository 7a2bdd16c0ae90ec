// Builds both published formats of the package in the current directory (the library at the root from
// lib/; packages/vault-test-server from its src/ runs this too, `npm run build` there). The root's
// `npm run build` builds the workspace packages first, then the library:
//   dist/        ESM (tsconfig.build.json), for `import` (NestJS 12 apps, ESM apps, the CLIs)
//   dist/cjs/    CommonJS (tsconfig.cjs.json), for `require` (NestJS 11 apps compiled to CommonJS, Jest);
//                dist/cjs/package.json says "type": "commonjs" so Node and TypeScript read its .js
//                and .d.ts files as CommonJS.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
for (const project of ['tsconfig.build.json', 'tsconfig.cjs.json']) {
  execFileSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' });
}
mkdirSync('dist/cjs', { recursive: true });
writeFileSync('dist/cjs/package.json', `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
