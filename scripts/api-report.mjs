// The API report: what each published entry exports, with signatures, in etc/*.api.md
// (@microsoft/api-extractor over the built ESM .d.ts files; the CommonJS .d.ts files are the same
// declarations, checked by test/package/esm-import.spec.ts).
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

/** Entry (package subpath) → its built declaration file and report name. */
const ENTRIES = [
  { subpath: '.', dts: 'dist/index.d.ts', report: 'nestjs-vault-secrets' },
  { subpath: './manager', dts: 'dist/manager.d.ts', report: 'nestjs-vault-secrets-manager' },
  { subpath: './testing', dts: 'dist/testing/index.d.ts', report: 'nestjs-vault-secrets-testing' },
  { subpath: './health', dts: 'dist/health/index.d.ts', report: 'nestjs-vault-secrets-health' },
];

mkdirSync(`${root}etc`, { recursive: true });
let failed = 0;
for (const entry of ENTRIES) {
  if (!existsSync(`${root}${entry.dts}`)) {
    console.error(`${entry.dts} is missing: run npm run build first`);
    process.exit(1);
  }
  const config = ExtractorConfig.prepare({
    packageJsonFullPath: `${root}package.json`,
    configObjectFullPath: undefined,
    configObject: {
      projectFolder: root,
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
          files: [`${root}${entry.dts}`],
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
      `The public API of nestjs-vault-secrets${entry.subpath === '.' ? '' : entry.subpath.slice(1)} differs from etc/${entry.report}.api.md ` +
        `(see .api-report-temp/${entry.report}.api.md). If the change is meant: npm run api:update and commit etc/.`,
    );
  } else if (!result.succeeded) {
    failed++;
    console.error(`api-extractor failed for ${entry.dts}: ${result.errorCount} error(s)`);
  } else {
    console.log(`${entry.subpath}: ${update && result.apiReportChanged ? 'report updated' : 'matches etc/' + entry.report + '.api.md'}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
