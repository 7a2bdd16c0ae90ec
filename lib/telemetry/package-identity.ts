/** The name the module's meter and tracer carry (the npm package name). */
export const PACKAGE_NAME = 'nestjs-vault-secrets';

/** The package version the meter and tracer carry; a test holds it equal to package.json's. */
export const PACKAGE_VERSION = '0.1.0';
