/** A plain default value an option can declare (no functions: those are never defaulted). */
export type OptionDefault = string | number | boolean | readonly string[];

/**
 * One entry of {@link OPTIONS_SCHEMA}: what an option is, its default and its doc line. The
 * configuration table of docs/configuration.md, the unknown-option check and the defaults of `resolveVaultConfig` all read it.
 */
export interface OptionSpec {
  /** The TypeScript type as the configuration table shows it, e.g. `number` or `1 | 2 | 'auto'`. */
  readonly type: string;
  /** Value used when neither the option nor the environment sets it. */
  readonly default?: OptionDefault;
  /** The table's default column when it is more than the value (environment variables, derived values). */
  readonly defaultText?: string;
  /** One line for the table: what the option does, with units. */
  readonly doc: string;
  /** `'module'`: accepted by `SecretsModule.forRoot*` only and stripped before the options are validated. */
  readonly scope?: 'module';
  /**
   * For the fields of `auth`: the `auth.method` values that accept the field (`auth.method` itself
   * lists every method). Any other field is reported as unknown for that method.
   */
  readonly methods?: readonly string[];
  /**
   * Whole-number options: the bounds checked at boot (the check is generated from them by
   * `applySchemaChecks`; the default is the message's example, milliseconds when the name ends in `Ms`).
   */
  readonly integer?: {
    readonly min: number;
    readonly max?: number;
    /** The maximum in words for the message, e.g. `10 minutes`. */
    readonly maxText?: string;
    /** Appended to the "at least" message, e.g. how to bypass what a small value would do. */
    readonly minHint?: string;
  };
  /** Fields of an object option, e.g. `cache.ttlMs`. */
  readonly fields?: Readonly<Record<string, OptionSpec>>;
  /**
   * Set for options that must be an object whose every key is one of `fields` (unknown keys are
   * reported): the example shown in "`<name>` must be an object such as ...".
   */
  readonly objectExample?: string;
}

/**
 * The defaults declared by a schema, nested like the options (`{ cache: { ttlMs: 300000, ... } }`).
 * Object options with an `objectExample` (always resolved to a complete object) nest; other object
 * options such as `fallbackJson` have no default.
 */
export type DefaultsOf<S> = {
  readonly [
    K in keyof S as S[K] extends { readonly default: OptionDefault } | { readonly objectExample: string } ? K : never
  ]: S[K] extends {
    readonly fields: infer F;
    readonly objectExample: string;
  }
    ? DefaultsOf<F>
    : S[K] extends { readonly default: infer D }
      ? D
      : never;
};

/** The keys of a schema whose options reach `resolveVaultConfig` (everything but `scope: 'module'`). */
export type ConfigKeysOf<S> = { [K in keyof S]: S[K] extends { readonly scope: 'module' } ? never : K }[keyof S];

/** Builds the {@link DefaultsOf} object of a schema at run time (deeply frozen). */
export function defaultsOf<S extends Readonly<Record<string, OptionSpec>>>(schema: S): DefaultsOf<S> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(schema)) {
    if (spec.fields && spec.objectExample !== undefined) out[name] = defaultsOf(spec.fields);
    else if (spec.default !== undefined) out[name] = Array.isArray(spec.default) ? Object.freeze([...spec.default]) : spec.default;
  }
  return Object.freeze(out) as DefaultsOf<S>;
}
