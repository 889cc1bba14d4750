#!/usr/bin/env node
// Regenerates src/generated/lars.{js,d.ts} from lars.proto with protobufjs-cli,
// then applies two patches the wire needs:
//  1. the ES-module wrapper imports "protobufjs/minimal" without an extension,
//     which Node 20's ESM loader rejects, and as a namespace import, which loses
//     the CommonJS exports; it becomes a default import of "protobufjs/minimal.js".
//  2. proto3 canonical encoding leaves zero-valued scalars out (the original C++
//     peers do, and the golden frames in protocol.md require it); protobufjs
//     writes any field that is set, 0 included, so each scalar's presence test
//     becomes a truthiness test (0, false, null and undefined are all skipped).
//  3. IPv4 fields (HostInfo.ip, HostCallResult.ip, ReportStatusRequest.caller)
//     travel in int32 but mean an unsigned number (INET_ATON, RouteData.serverip):
//     int32 writes wrap the value to 32-bit signed (`| 0`, which is what the C++
//     peers put on the wire for 128.x and up: the 10-byte negative varint), and
//     the IPv4 fields decode back to unsigned (`>>> 0`), so application code only
//     ever sees the unsigned number.
// `--check` regenerates into memory and fails if the committed files differ.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(pkg, 'node_modules', '.bin', name);
const out = join(pkg, 'src', 'generated');
const check = process.argv.includes('--check');

// The presence test of a scalar field, with the write it guards (which stays as generated).
const SCALAR_WRITE =
  /if \(message\.(\w+) != null && Object\.hasOwnProperty\.call\(message, "\1"\)\)(\n\s+writer\.uint32\([^)]*\)\.(?:int32|uint32|sint32|bool|fixed32|sfixed32|float|double|string)\(message\.\1\);)/g;

function generate() {
  const tmp = mkdtempSync(join(tmpdir(), 'lars-proto-'));
  try {
    const js = join(tmp, 'lars.js');
    execFileSync(
      bin('pbjs'),
      [
        '-t',
        'static-module',
        '-w',
        'es6',
        '--no-create',
        '--no-verify',
        '--no-convert',
        '--no-delimited',
        '--no-typeurl',
        '-o',
        js,
        join(pkg, 'lars.proto'),
      ],
      { stdio: 'inherit' },
    );
    let code = readFileSync(js, 'utf8');
    const before = code;
    code = code.replace(
      'import * as $protobuf from "protobufjs/minimal";',
      'import $protobuf from "protobufjs/minimal.js";',
    );
    if (code === before) throw new Error('gen: protobufjs import line not found; the pbjs output changed');
    const countReplace = (re, fn) => {
      let n = 0;
      code = code.replace(re, (...args) => {
        n++;
        return fn(...args);
      });
      return n;
    };
    let patched = 0;
    code = code.replace(SCALAR_WRITE, (_m, field, write) => {
      patched++;
      return `if (message.${field})${write}`;
    });
    // Every scalar of lars.proto: keep in step with the schema, so a pbjs change cannot slip through silently.
    const expected = 26;
    if (patched !== expected) throw new Error(`gen: patched ${patched} scalar writes, expected ${expected}`);
    const wrapped = countReplace(/\.int32\(message\.(\w+)\);/g, (_m, f) => `.int32(message.${f} | 0);`);
    // 19 int32 fields in lars.proto.
    if (wrapped !== 19) throw new Error(`gen: wrapped ${wrapped} int32 writes, expected 19`);
    const unsigned = countReplace(
      /message\.(ip|caller) = reader\.int32\(\);/g,
      (_m, f) => `message.${f} = reader.int32() >>> 0;`,
    );
    if (unsigned !== 3) throw new Error(`gen: made ${unsigned} IPv4 reads unsigned, expected 3`);
    writeFileSync(js, code);
    const dts = join(tmp, 'lars.d.ts');
    execFileSync(bin('pbts'), ['-o', dts, js], { stdio: 'inherit' });
    // No int64 field exists, so the d.ts's `long` import is unused and would need a package we do not depend on.
    const types = readFileSync(dts, 'utf8').replace('import Long = require("long");\n', '');
    return { js: code, dts: types };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const { js, dts } = generate();
if (check) {
  const same =
    readFileSync(join(out, 'lars.js'), 'utf8') === js && readFileSync(join(out, 'lars.d.ts'), 'utf8') === dts;
  if (!same) {
    console.error('src/generated is stale: run `pnpm gen:proto` and commit the result');
    process.exit(1);
  }
  console.log('src/generated is up to date');
} else {
  writeFileSync(join(out, 'lars.js'), js);
  writeFileSync(join(out, 'lars.d.ts'), dts);
  console.log('wrote src/generated/lars.js and lars.d.ts');
}
