import { ErrorCode, LarsError } from '@lars/wire';

/** MAJOR.MINOR.PATCH with an optional -prerelease (build metadata is not used here). */
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?$/;

export function isSemver(text: string): boolean {
  return SEMVER.test(text);
}

function parse(text: string): { core: [number, number, number]; pre: string | undefined } {
  const m = SEMVER.exec(text);
  if (m === null) throw new LarsError(ErrorCode.BAD_OPTION, `invalid version '${text}': want MAJOR.MINOR.PATCH`);
  return { core: [Number(m[1]), Number(m[2]), Number(m[3])], pre: m[4] };
}

/**
 * Orders two versions: negative when a < b, 0 when equal, positive when a > b.
 * A prerelease sorts before its release (1.0.0-rc.1 < 1.0.0); prereleases of
 * one release compare as text, enough for the versions Lars records.
 */
export function compareSemver(a: string, b: string): number {
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) if (x.core[i] !== y.core[i]) return x.core[i] - y.core[i];
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre < y.pre ? -1 : 1;
}
