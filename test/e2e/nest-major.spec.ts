import { describe, expect, it } from 'vitest';
import core from '@nestjs/core/package.json' with { type: 'json' };
import common from '@nestjs/common/package.json' with { type: 'json' };

/**
 * The e2e suite runs twice in CI: on NestJS 12 (the repository's own install) and on NestJS 11
 * (vitest.nest11.config.ts, EXPECT_NEST_MAJOR=11). This spec fails when a run is not on the
 * NestJS major it claims, e.g. if the NestJS 11 aliases stopped applying.
 */
describe('NestJS major under test', () => {
  it(`is ${process.env.EXPECT_NEST_MAJOR ?? '12'}`, () => {
    const major = process.env.EXPECT_NEST_MAJOR ?? '12';
    for (const pkg of [core, common]) expect(pkg.version.split('.')[0]).toBe(major);
  });
});
