// The SDK and the tools as a user gets them: the packed tarballs installed
// with plain npm into projects outside the repository, then used from plain
// node (ESM and CommonJS), from a TypeScript project with default settings,
// and as global commands, against a real agent, DNS and MySQL.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LarsSystem } from '../../test-support/lars-system.js';
import {
  installedPackages,
  installGlobally,
  installIntoProject,
  packWorkspace,
  type Tarballs,
  treeBytes,
} from '../../test-support/packages.js';
import { REPO_ROOT } from '../../test-support/repo-paths.js';

const run = promisify(execFile);

/**
 * What `npm install` of @lars/client may bring in: our three packages and
 * protobufjs with its own dependencies. No tsx, esbuild, pino, ini, mysql2
 * or prom-client: the SDK must not drag a daemon's runtime into an app.
 */
const SDK_ALLOWED = new Set([
  '@lars/client',
  '@lars/proto',
  '@lars/wire',
  'protobufjs',
  '@protobufjs/aspromise',
  '@protobufjs/base64',
  '@protobufjs/codegen',
  '@protobufjs/eventemitter',
  '@protobufjs/fetch',
  '@protobufjs/float',
  '@protobufjs/inquire',
  '@protobufjs/path',
  '@protobufjs/pool',
  '@protobufjs/utf8',
  'long',
  '@types/node',
  'undici-types',
]);

/** One app, written once and run as ESM and as CommonJS: the only difference is how it loads the SDK. */
const APP_BODY = `
// The agent's port comes from LARS_AGENT_BASE_PORT, as an operator sets it.
const lars = new LarsClient();
const out = {};
const picked = await lars.getHost(1, 1);
out.getHost = { ret: picked.ret, host: picked.host };
lars.report(1, 1, picked.host, RetCode.SUCC, 3);
out.call = await lars.call(1, 1, async (host) => host.port);
const route = await lars.getRoute(1, 1);
out.routePorts = route.hosts.map((h) => h.port).sort();
try {
  new LarsClient({ timeoutMs: -1 });
} catch (err) {
  out.misuse = { code: err.code, isLarsError: err instanceof LarsError, name: err.constructor.name };
}
await lars.close();
try {
  await lars.getHost(1, 1);
} catch (err) {
  out.closed = { code: err.code, isLarsError: err instanceof LarsError };
}
out.sameClass = LarsClientError.prototype instanceof LarsError;
console.log(JSON.stringify(out));
`;

const ESM_APP = `import { LarsClient, LarsClientError, LarsError, RetCode } from '@lars/client';\n${APP_BODY}`;
const CJS_APP = `const { LarsClient, LarsClientError, LarsError, RetCode } = require('@lars/client');\n(async () => {\n${APP_BODY}\n})();\n`;

const TS_APP = `import { LarsClient, RetCode, type GetHostResult, type HostAddress } from '@lars/client';

async function pick(lars: LarsClient): Promise<HostAddress | null> {
  const r: GetHostResult = await lars.getHost(1, 1);
  if (r.ret !== RetCode.SUCC) return null;
  lars.report(1, 1, r.host, RetCode.SUCC, 1);
  return r.host;
}

const lars = new LarsClient({ basePort: 8888, timeoutMs: 50 });
const host = await pick(lars);
const port: number | undefined = host?.port;
console.log(port);
await lars.close();
`;

let scratch: string;
let tarballs: Tarballs;
const system = new LarsSystem();

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'lars-install-'));
  [tarballs] = await Promise.all([packWorkspace(join(scratch, 'pack')), system.start()]);
  await system.addHosts(1, 1, '127.0.0.1:9001', '127.0.0.2:9002');
});

afterAll(async () => {
  await system.stop();
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

describe('@lars/client installed from its tarballs', () => {
  let app: string;
  beforeAll(async () => {
    app = join(scratch, 'app');
    mkdirSync(app);
    await installIntoProject(app, tarballs, ['@lars/client']);
  });

  it('pulls in only the allowed packages, every @lars/* from a tarball', () => {
    const installed = installedPackages(join(app, 'node_modules'));
    expect([...installed].filter((name) => !SDK_ALLOWED.has(name))).toEqual([]);
    expect(installed).toContain('@lars/wire');
    const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8'));
    const lars = Object.entries(lock.packages as Record<string, { resolved?: string }>).filter(([path]) =>
      path.includes('node_modules/@lars/'),
    );
    expect(lars.map(([path]) => path.replace(/.*node_modules\//, '')).sort()).toEqual([
      '@lars/client',
      '@lars/proto',
      '@lars/wire',
    ]);
    for (const [, entry] of lars) expect(entry.resolved).toMatch(/^file:.*\.tgz$/);
    console.info(`SDK installed size: ${(treeBytes(join(app, 'node_modules')) / 1024).toFixed(0)} KiB`);
  });

  const expected = {
    getHost: { ret: 0, host: { ip: expect.stringMatching(/^127\.0\.0\.[12]$/), port: expect.any(Number) } },
    call: { ret: 0, value: expect.any(Number) },
    routePorts: [9001, 9002],
    misuse: { code: 'LARS_BAD_OPTION', isLarsError: true },
    closed: { code: 'LARS_CLOSED', isLarsError: true },
    sameClass: true,
  };

  it.each([
    ['ESM', 'app.mjs', ESM_APP],
    ['CommonJS', 'app.cjs', CJS_APP],
  ])('works from plain node as %s against a real agent', async (_kind, file, source) => {
    writeFileSync(join(app, file), source);
    const { stdout, stderr } = await run(process.execPath, [file], {
      cwd: app,
      env: { PATH: process.env.PATH, LARS_AGENT_BASE_PORT: String(system.basePort) },
    });
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toMatchObject(expected);
  });

  it('type-checks in a TypeScript project with default settings (NodeNext)', async () => {
    writeFileSync(join(app, 'app.ts'), TS_APP);
    const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
    writeFileSync(join(app, 'package.json'), JSON.stringify({ ...pkg, type: 'module' }));
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', target: 'esnext', strict: true, noEmit: true } }),
    );
    const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app }).catch(
      (err: { stdout: string }) => ({ stdout: err.stdout, failed: true }),
    );
    expect(result.stdout).toBe('');
  });
});

describe('@lars/tools installed globally from its tarballs', () => {
  let prefix: string;
  let elsewhere: string;
  beforeAll(async () => {
    prefix = join(scratch, 'global');
    elsewhere = join(scratch, 'elsewhere');
    mkdirSync(prefix);
    mkdirSync(elsewhere);
    await installGlobally(prefix, tarballs, [
      '@lars/tools',
      '@lars/client',
      '@lars/proto',
      '@lars/wire',
      '@lars/reactor',
      '@lars/store',
    ]);
  });

  const bin = (name: string) => join(prefix, 'bin', name);
  const env = () => ({ PATH: process.env.PATH, LARS_AGENT_BASE_PORT: String(system.basePort) });

  it('lars-gethost works from any directory', async () => {
    const { stdout } = await run(bin('lars-gethost'), ['1', '1'], { cwd: elsewhere, env: env() });
    expect(stdout).toMatch(/^host is 127\.0\.0\.[12]:900[12]\n$/);
  });

  it('lars-route finds MySQL through the LARS_MYSQL_* variables, and says where it looked when it cannot', async () => {
    const mysqlEnv = {
      ...env(),
      LARS_MYSQL_DB_HOST: system.db.host,
      LARS_MYSQL_DB_PORT: String(system.db.port),
      LARS_MYSQL_DB_NAME: system.db.name,
      LARS_MYSQL_DB_PASSWD: system.db.password,
    };
    const { stdout } = await run(bin('lars-route'), ['list', '1', '1'], { cwd: elsewhere, env: mysqlEnv });
    expect(stdout).toContain('modid = 1, cmdid = 1, ip = 127.0.0.2, port = 9002');

    const failed = await run(bin('lars-route'), ['list'], {
      cwd: elsewhere,
      env: { ...env(), LARS_MYSQL_DB_PORT: '1' },
    }).catch((err: { code: number; stderr: string }) => err);
    expect(failed).toMatchObject({ code: 1 });
    const { stderr } = failed as { stderr: string };
    expect(stderr).toContain('no --conf, no LARS_CONF, no conf/lars_dns.conf');
    expect(stderr).toContain('overridden by LARS_MYSQL_DB_PORT');
  });
});
