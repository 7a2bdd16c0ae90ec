import type { StandardSchemaV1 } from './standard-schema.js';

/** A class-validator DTO class (decorated properties, constructible without arguments). */
export type SecretClass<T extends object = object> = new () => T;

/**
 * What validates and types a secret: a class-validator DTO class (`class DbSecret { @IsString() password!: string }`)
 * or any Standard Schema v1 object (zod, valibot, arktype, ...).
 */
export type SecretSchema = SecretClass | StandardSchemaV1;

/** The value type a schema produces: the DTO instance type, or the Standard Schema output. */
export type SchemaOutput<S> = S extends SecretClass<infer T> ? T : S extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S> : never;
