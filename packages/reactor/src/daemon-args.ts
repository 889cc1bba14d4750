// The daemons' command line, written once for all three: `[CONF]`,
// `-h`/`--help`, `--version`, and LARS_CONF when no CONF is given (systemd
// units set it). Parsing is pure; runDaemon acts on the result.
import { readFileSync } from 'node:fs';
import { ErrorCode, LarsError } from '@lars/wire';

/** What a daemon's package.json says about it, read at run time. */
export interface DaemonPackageInfo {
  /** The package's bin name (`lars-dns`), or its package name when it has no bin. */
  readonly program: string;
  readonly version: string;
  readonly description: string;
}

/** What the command line asks for. */
export type DaemonArgs =
  | { readonly kind: 'run'; readonly configFile: string }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'usage-error'; readonly message: string };

/** Exit statuses of a daemon process. */
export const DaemonExit = { OK: 0, FAILED: 1, USAGE: 2 } as const;

/** The environment variable that names the config file when no argument does. */
export const CONF_ENV = 'LARS_CONF';

/**
 * Reads `argv` (without node and the script): at most one positional, the
 * config file; `--help`/`-h` or `--version` anywhere wins over everything
 * else (the first of them counts); `--` ends the options; any other option is
 * a usage error naming it. The config file is the argument, else LARS_CONF
 * (when non-empty), else `defaultConfigFile`.
 */
export function parseDaemonArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  defaultConfigFile: string,
): DaemonArgs {
  const positionals: string[] = [];
  let problem: string | null = null;
  let onlyPositionals = false;
  for (const arg of argv) {
    if (!onlyPositionals && arg === '--') {
      onlyPositionals = true;
    } else if (!onlyPositionals && (arg === '-h' || arg === '--help')) {
      return { kind: 'help' };
    } else if (!onlyPositionals && arg === '--version') {
      return { kind: 'version' };
    } else if (!onlyPositionals && arg.startsWith('-') && arg !== '-') {
      problem ??= `unknown option ${arg}`;
    } else {
      positionals.push(arg);
    }
  }
  if (problem !== null) return { kind: 'usage-error', message: problem };
  if (positionals.length > 1) {
    return { kind: 'usage-error', message: `unexpected argument ${JSON.stringify(positionals[1])} (one CONF at most)` };
  }
  const [given] = positionals;
  if (given === '') return { kind: 'usage-error', message: 'CONF must not be empty' };
  const fromEnv = env[CONF_ENV];
  const configFile = given ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : defaultConfigFile);
  return { kind: 'run', configFile };
}

/** The text `--help` prints. */
export function daemonUsage(info: DaemonPackageInfo, defaultConfigFile: string): string {
  return [
    `usage: ${info.program} [CONF]`,
    '',
    `${info.description} (version ${info.version}). Runs in the foreground; SIGINT or SIGTERM stops it cleanly.`,
    '',
    `  CONF          the INI config file (default: $${CONF_ENV}, else ${defaultConfigFile})`,
    '  -h, --help    print this text and exit',
    '  --version     print the version and exit',
    '',
    'LARS_<SECTION>_<KEY> in the environment overrides [section] key of CONF; LARS_LOG_LEVEL sets the log level;',
    'LARS_LOG_FILE (with LARS_LOG_MAX_BYTES, LARS_LOG_KEEP) logs to a size-capped, rotated file instead of stdout.',
    '',
  ].join('\n');
}

/**
 * Reads name, version and bin of the package.json at `url` (a daemon passes
 * `new URL('../package.json', import.meta.url)`, which is the same file from
 * src/ and from dist/). A missing or malformed file is LARS_BAD_CONFIG.
 */
export function readDaemonPackageInfo(url: URL): DaemonPackageInfo {
  let pkg: { name?: unknown; version?: unknown; description?: unknown; bin?: unknown };
  try {
    pkg = JSON.parse(readFileSync(url, 'utf8')) as typeof pkg;
  } catch (err) {
    throw new LarsError(ErrorCode.BAD_CONFIG, `cannot read ${url.pathname}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (typeof pkg.name !== 'string' || typeof pkg.version !== 'string') {
    throw new LarsError(ErrorCode.BAD_CONFIG, `${url.pathname} has no string "name" and "version"`);
  }
  const bins = typeof pkg.bin === 'object' && pkg.bin !== null ? Object.keys(pkg.bin) : [];
  return {
    program: bins[0] ?? pkg.name,
    version: pkg.version,
    description: typeof pkg.description === 'string' ? pkg.description : pkg.name,
  };
}
