// How a test or benchmark starts Node on the TypeScript sources: the
// `lars-source` export condition makes every `@lars/*` import resolve to
// `src/*.ts` (the default conditions resolve to the build in dist/), and tsx
// compiles them. Worker threads inherit both from their parent's execArgv.
export const SOURCE_CONDITION = 'lars-source';
export const SOURCE_NODE_ARGS: readonly string[] = [`--conditions=${SOURCE_CONDITION}`, '--import', 'tsx'];
