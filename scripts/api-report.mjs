// The API report: what each published entry exports, with signatures, in etc/*.api.md for the library
// and packages/vault-test-server/etc/*.api.md for the test server package (@microsoft/api-extractor
// over the built ESM .d.ts files; the CommonJS .d.ts files are the same declarations, checked by
// test/package/esm-import.spec.ts and the fixture apps).
//
//   npm run api:check    fails when an entry's public API differs from the committed report
//                        (an accidental export, a removed name, a changed signature)
//   npm run api:update   rewrites the reports; review and commit the diff with the change that caused it
//
// Both build dist/ first when asked through npm (see package.json).
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const update = process.argv.includes('--update');

/**
 * Entry (package subpath) → its package folder (relative to the repository root, '' for the library),
 * its built declaration file (relative to that folder) and report name.
 */
const ENTRIES = [
  { dir: '', name: 'nestjs-vault-secrets', subpath: '.', dts: 'dist/index.d.ts', report: 'nestjs-vault-secrets' },
  { dir: '', name: 'nestjs-vault-secrets', subpath: './manager', dts: 'dist/manager.d.ts', report: 'nestjs-vault-secrets-manager' },
  { dir: '', name: 'nestjs-vault-secrets', subpath: './testing', dts: 'dist/testing/index.d.ts', report: 'nestjs-vault-secrets-testing' },
  { dir: '', name: 'nestjs-vault-secrets', subpath: './health', dts: 'dist/health/index.d.ts', report: 'nestjs-vault-secrets-health' },
  {
    dir: 'packages/vault-test-server/',
    name: '@nestjs-vault-secrets/vault-test-server',
    subpath: '.',
    dts: 'dist/index.d.ts',
    report: 'vault-test-server',
  },
];

let failed = 0;
for (const entry of ENTRIES) {
  const folder = `${root}${entry.dir}`;
  if (!existsSync(`${folder}${entry.dts}`)) {
    console.error(`${entry.dir}${entry.dts} is missing: run npm run build first`);
    process.exit(1);
  }
  mkdirSync(`${folder}etc`, { recursive: true });
  const config = ExtractorConfig.prepare({
    packageJsonFullPath: `${folder}package.json`,
    configObjectFullPath: undefined,
    configObject: {
      projectFolder: folder,
      mainEntryPointFilePath: `<projectFolder>/${entry.dts}`,
      compiler: {
        overrideTsconfig: {
          compilerOptions: {
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            target: 'ES2023',
            lib: ['ES2024', 'ESNext.Disposable'],
            types: ['node'],
            strict: true,
            skipLibCheck: true,
          },
          files: [`${folder}${entry.dts}`],
        },
      },
      apiReport: {
        enabled: true,
        reportFileName: `${entry.report}.api.md`,
        reportFolder: '<projectFolder>/etc/',
        reportTempFolder: '<projectFolder>/.api-report-temp/',
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        compilerMessageReporting: { default: { logLevel: 'warning' } },
        extractorMessageReporting: {
          default: { logLevel: 'warning' },
          'ae-missing-release-tag': { logLevel: 'none' },
          'ae-internal-missing-underscore': { logLevel: 'none' },
          'ae-forgotten-export': { logLevel: 'none', addToApiReportFile: true },
          'ae-unresolved-link': { logLevel: 'none' },
          'ae-undocumented': { logLevel: 'none' },
        },
        tsdocMessageReporting: { default: { logLevel: 'none' } },
      },
    },
  });
  const result = Extractor.invoke(config, {
    localBuild: update,
    showVerboseMessages: false,
    messageCallback: (m) => {
      if (m.logLevel === 'warning' || m.logLevel === 'error') m.handled = false;
    },
  });
  if (result.apiReportChanged && !update) {
    failed++;
    console.error(
      `The public API of ${entry.name}${entry.subpath === '.' ? '' : entry.subpath.slice(1)} differs from ${entry.dir}etc/${entry.report}.api.md ` +
        `(see ${entry.dir}.api-report-temp/${entry.report}.api.md). If the change is meant: npm run api:update and commit ${entry.dir}etc/.`,
    );
  } else if (!result.succeeded) {
    failed++;
    console.error(`api-extractor failed for ${entry.dir}${entry.dts}: ${result.errorCount} error(s)`);
  } else {
    const where = `${entry.dir}etc/${entry.report}.api.md`;
    console.log(`${entry.name}${entry.subpath.slice(1)}: ${update && result.apiReportChanged ? 'report updated' : 'matches ' + where}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
