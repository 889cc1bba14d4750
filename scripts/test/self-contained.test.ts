// The repository stands on its own: no file of it reads, imports or links a
// path outside the checkout. Relative paths are resolved against the
// directory of the file that holds them (how import specifiers,
// `new URL(x, import.meta.url)` and markdown links resolve) and must stay
// under the repository root; absolute paths into the checkout's parent
// directory (a sibling checkout, or this checkout by a machine-specific path)
// are refused outright. And every markdown document a file names (a link, a
// path, or a bare `protocol.md` in a comment) is a file of the project, so no
// pointer is left to a document that lives elsewhere. Reads files only, plus
// `git ls-files` for the list.
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../test-support/repo-paths.js';

const ROOT = resolve(REPO_ROOT);

/** One path a file names that leaves the repository. */
interface Escape {
  file: string;
  line: number;
  text: string;
  why: string;
}

// Built from parts so that this file does not match its own rules.
const UP = '..';
const SIBLING_SPEC = ['shared', 'spec'].join('/');
const UP_TO_SHARED = [UP, 'shared'].join('/');
const MD = '.md';

/**
 * Files whose relative paths are not relative to the file itself, so
 * resolving them against its directory would be wrong: pnpm writes each
 * importer's `link:` paths relative to that importer's package.json (which
 * this test does check).
 */
const NOT_FILE_RELATIVE = new Set(['pnpm-lock.yaml']);

/**
 * A path-like token: starts at the beginning of a line or after a quote,
 * bracket, whitespace, `=`, `,` or `:` and runs until one of those (so
 * `link:../proto`, `](../x)`, `'../src/a.js'` and `"extends": "../b"` all
 * yield the path itself).
 */
const TOKEN = /(?<=^|[\s'"`([{<=,:])[^\s'"`()[\]{}<>,;:|*?!]+/gm;

/**
 * Whether `token`, found at `index` of `line`, is a path with a `..` segment:
 * only such a relative path can climb out. A lone `..` is a path only when
 * quoted on its own (`new URL('..', import.meta.url)`); in prose (`.log.1 ..
 * .log.N`) it is a range.
 */
function climbs(token: string, line: string, index: number): boolean {
  if (token === UP) {
    const before = line[index - 1];
    return before !== undefined && `'"\``.includes(before) && line[index + token.length] === before;
  }
  return token.split('/').includes(UP);
}

/** Parents of a checkout that hold unrelated things, so an absolute path under them says nothing. */
const SHARED_PARENTS: ReadonlySet<string> = new Set([sep, '/tmp', tmpdir()]);

/** Every path of `text` (the content of `file`, repo-relative) that leaves the repository, with why. */
export function findEscapes(file: string, text: string, root: string = ROOT): Escape[] {
  const found: Escape[] = [];
  const parent = dirname(root);
  const fileDir = dirname(join(root, file));
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const add = (why: string) => found.push({ file, line: i + 1, text: line.trim(), why });
    if (line.includes(SIBLING_SPEC)) add(`names ${SIBLING_SPEC}`);
    if (line.includes(UP_TO_SHARED)) add(`names ${UP_TO_SHARED}`);
    // An absolute path into the checkout's parent: a sibling directory, or this checkout pinned to one
    // machine. Not when the parent is a directory everyone shares (a clone in /tmp: docs say /tmp/x).
    if (!SHARED_PARENTS.has(parent) && line.includes(`${parent}${sep}`)) add(`absolute path under ${parent}`);
    if (NOT_FILE_RELATIVE.has(file)) return;
    for (const match of line.matchAll(TOKEN)) {
      const token = match[0];
      if (!climbs(token, line, match.index) || token.startsWith('/') || token.startsWith('$') || token.startsWith('~'))
        continue;
      const target = relative(root, resolve(fileDir, token));
      if (target === UP || target.startsWith(`${UP}${sep}`) || isAbsolute(target)) {
        add(`${token} resolves outside the repository (${resolve(fileDir, token)})`);
      }
    }
  });
  return found;
}

/**
 * A markdown file name, bare (`protocol.md`) or as a path (`docs/protocol.md`,
 * `./packages/client/README.md`, `../../README.md`), not part of a URL or longer path.
 */
const MD_NAME = /(?<![\w./:-])((?:[\w.-]+\/)*[\w.-]+\.md)\b/g;

/**
 * Every markdown document `text` names that is not a file of the project: a
 * path must be one relative to the file's directory or to the root; a bare
 * name must be the name of some project file (a comment's `protocol.md` is
 * docs/protocol.md).
 */
export function findMissingDocs(file: string, text: string, files: ReadonlySet<string>, root: string = ROOT): Escape[] {
  const names = new Set([...files].map((f) => f.slice(f.lastIndexOf('/') + 1)));
  const fileDir = dirname(join(root, file));
  const found: Escape[] = [];
  text.split('\n').forEach((line, i) => {
    for (const [, name] of line.matchAll(MD_NAME)) {
      const known = name.includes('/')
        ? [resolve(fileDir, name), resolve(root, name)].some((p) => files.has(relative(root, p).split(sep).join('/')))
        : names.has(name);
      if (!known)
        found.push({ file, line: i + 1, text: line.trim(), why: `names ${name}, which the project does not hold` });
    }
  });
  return found;
}

/** The files the project holds: tracked ones, and new ones not ignored (so a file is checked before it is committed). */
function projectFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const files = new Set(out.split('\0').filter((f) => f.length > 0));
  // A file deleted in the working tree is still listed by --cached until the deletion is committed.
  return [...files].filter((f) => existsSync(join(ROOT, f)) && statSync(join(ROOT, f)).isFile()).sort();
}

function readText(file: string): string | null {
  const bytes = readFileSync(join(ROOT, file));
  return bytes.includes(0) ? null : bytes.toString('utf8');
}

describe('findEscapes', () => {
  const deep = `${UP}/`.repeat(4);

  it('finds a relative path that climbs out of the repository', () => {
    const text = `const spec = new URL('${deep}${SIBLING_SPEC}/lars.proto', import.meta.url);`;
    const escapes = findEscapes('packages/proto/test/messages.test.ts', text, '/r/main');
    expect(escapes.map((e) => e.why)).toContain(`names ${SIBLING_SPEC}`);
    expect(escapes.some((e) => e.why.includes('resolves outside the repository'))).toBe(true);
  });

  it('finds a markdown link and a plain relative path leaving the repository', () => {
    const link = findEscapes('README.md', `see [the spec](${UP}/elsewhere/protocol${MD})`, '/r/main');
    expect(link).toHaveLength(1);
    expect(link[0].why).toContain(`${UP}/elsewhere/protocol${MD} resolves outside`);
    const bare = findEscapes('scripts/a.sh', `cat ${UP}/${UP}/${UP}/etc/x`, '/r/main');
    expect(bare).toHaveLength(1);
    const quoted = findEscapes('vitest.config.ts', `new URL('${UP}', import.meta.url)`, '/r/main');
    expect(quoted).toHaveLength(1);
  });

  it('finds an absolute path into the checkout parent', () => {
    const escapes = findEscapes('bench/x.ts', "readFileSync('/r/other/file.txt')", '/r/main');
    expect(escapes.map((e) => e.why)).toEqual(['absolute path under /r']);
    expect(findEscapes('bench/x.ts', "readFileSync('/r/main/sql/a.sql')", '/r/main')).toHaveLength(1);
  });

  it('does not read a path in a shared parent such as /tmp as a sibling of the checkout', () => {
    expect(findEscapes('README.md', 'pnpm pack:all /tmp/lars-pack', '/tmp/main')).toEqual([]);
  });

  it('accepts paths that stay inside, URLs, system paths and things that only look like paths', () => {
    const inside = [
      `import { a } from '${UP}/src/index.js';`,
      `"extends": "${UP}/${UP}/tsconfig.base.json"`,
      `export const REPO_ROOT = fileURLToPath(new URL('${UP}', import.meta.url));`,
      `cd "$(dirname "$0")/${UP}"`,
      `[docs](docs/protocol${MD}) and [pkg](./packages/client/README${MD})`,
      `see https://example.com/a/${UP}/b and /usr/bin/env, /dev/null, ~/${UP}/x`,
      `ports 8888${UP}8890, [...list], a${UP}b, '...', rotated to .log.1 ${UP} .log.N`,
      `version: link:${UP}/proto`,
    ].join('\n');
    expect(findEscapes('packages/agent/test/x.ts', inside, '/r/main')).toEqual([]);
  });

  it('leaves the lockfile importer paths alone but still refuses the spec there', () => {
    expect(findEscapes('pnpm-lock.yaml', `version: link:${UP}/${UP}/${UP}/x`, '/r/main')).toEqual([]);
    expect(findEscapes('pnpm-lock.yaml', `x: ${UP_TO_SHARED}`, '/r/main')).toHaveLength(1);
  });
});

describe('findMissingDocs', () => {
  const files = new Set([
    `README${MD}`,
    `docs/protocol${MD}`,
    `packages/client/README${MD}`,
    'packages/client/src/a.ts',
  ]);

  it('accepts links, paths and bare names of documents the project holds', () => {
    const text = [
      `[the protocol](docs/protocol${MD}#frame), [the SDK](packages/client/README${MD})`,
      `// (protocol${MD} "Frame"), see README${MD}`,
      `https://example.com/blob/main/daemons${MD}`,
    ].join('\n');
    expect(findMissingDocs(`README${MD}`, text, files, '/r/main')).toEqual([]);
    expect(findMissingDocs('packages/client/src/a.ts', `see ../README${MD}`, files, '/r/main')).toEqual([]);
  });

  it('finds a bare name or a path of a document the project does not hold', () => {
    const text = `// The route DNS (daemons${MD}) and [x](docs/reactor${MD})`;
    const missing = findMissingDocs('packages/client/src/a.ts', text, files, '/r/main');
    expect(missing.map((m) => m.why)).toEqual([
      `names daemons${MD}, which the project does not hold`,
      `names docs/reactor${MD}, which the project does not hold`,
    ]);
  });
});

describe('the repository stands on its own', () => {
  it('every markdown document a project file names is in the project', () => {
    const files = projectFiles();
    const held = new Set(files);
    const missing: Escape[] = [];
    for (const file of files) {
      const text = readText(file);
      if (text !== null) missing.push(...findMissingDocs(file, text, held));
    }
    expect(missing.map((e) => `${e.file}:${e.line}: ${e.why}\n    ${e.text}`)).toEqual([]);
  });

  it('no project file reads or links a path outside the repository', () => {
    const files = projectFiles();
    // The list is the real tree, not an empty answer from a broken git call.
    expect(files).toContain('package.json');
    expect(files).toContain('scripts/test/self-contained.test.ts');
    const escapes: Escape[] = [];
    for (const file of files) {
      const text = readText(file);
      if (text !== null) escapes.push(...findEscapes(file, text));
    }
    const report = escapes.map((e) => `${e.file}:${e.line}: ${e.why}\n    ${e.text}`);
    expect(report).toEqual([]);
  });
});
