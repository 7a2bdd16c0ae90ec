/**
 * The TypeScript type an `OptionSpec`'s `type` text names, for the plain types the schema
 * uses for defaulted options: `number`, `boolean`, `string`, `string[]` (read-only), literals
 * (`2`, `'auto'`) and unions of them (`1 | 2 | 'auto'`). Anything else is `never`, so a type the
 * parser does not know fails the compile-time checks instead of widening silently.
 */
export type TypeOfText<T extends string> = T extends `${infer A} | ${infer B}`
  ? TypeOfText<A> | TypeOfText<B>
  : T extends 'number'
    ? number
    : T extends 'boolean'
      ? boolean
      : T extends 'string'
        ? string
        : T extends 'string[]'
          ? readonly string[]
          : T extends `'${infer L}'`
            ? L
            : T extends `${infer N extends number}`
              ? N
              : never;

/**
 * The resolved (always present) type of every option of a schema that declares a default, and of
 * the fields of its object options with an `objectExample` (`cache`, `leases`, `watch`), read-only
 * and derived from each entry's `type` text; module-only options are left out.
 */
export type ResolvedDefaultsOf<S> = {
  readonly [
    K in keyof S as S[K] extends { readonly scope: 'module' }
      ? never
      : S[K] extends { readonly default: unknown } | { readonly objectExample: string }
        ? K
        : never
  ]: S[K] extends { readonly fields: infer F; readonly objectExample: string }
    ? ResolvedDefaultsOf<F>
    : S[K] extends { readonly type: infer T extends string }
      ? TypeOfText<T>
      : never;
};
