#!/usr/bin/env node
// Regenerates src/generated/lars.{js,d.ts} from lars.proto with protobufjs-cli,
// then applies the patches the wire needs:
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
//  4. decoding is strict where protobufjs is lax (readers of a hostile peer's
//     bytes count such a body as `badBody`): a known field with another wire
//     type than its own, field number 0 and the group wire types (3, 4; proto3
//     has no groups) and 6, 7 are errors; every varint, tags and lengths
//     included, ends within 10 bytes at the first byte below 0x80 and means its
//     low 32 bits (protobufjs skips bytes 6-10 of a long varint unread, so a
//     varint that ends at byte 6 swallowed the next field). Each decoder
//     switches on the whole tag (field number and wire type), so the check
//     costs nothing on the hot path (GetHostRequest per agent datagram); an
//     unknown field number is skipped by its wire type (0, 1, 2, 5).
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

// Strict wire readers (patch 4), put into the generated module after its aliases.
const STRICT_READERS = `
// Patched in by scripts/gen.mjs: strict varint and unknown-field readers.
// A varint of at most 10 bytes; its low 32 bits, unsigned.
function $varint(reader) {
    const buf = reader.buf, end = reader.len;
    let pos = reader.pos;
    if (pos < end && buf[pos] < 128) {
        reader.pos = pos + 1;
        return buf[pos];
    }
    let value = 0;
    for (let i = 0; i < 10; i++) {
        if (pos >= end)
            throw RangeError("index out of range: varint runs past the end");
        const b = buf[pos++];
        if (i < 5)
            value |= (b & 127) << (7 * i);
        if (b < 128) {
            reader.pos = pos;
            return value >>> 0;
        }
    }
    throw Error("invalid varint: longer than 10 bytes");
}

// The default branch of a decoder's switch on the tag: a field number up to
// \`known\` (the message's highest, all of 1..known declared) has a wire type
// that is not its own, or is 0; any other is skipped by its wire type.
function $skipUnknown(reader, tag, known) {
    const field = tag >>> 3, wireType = tag & 7;
    if (field <= known)
        throw Error(field === 0 ? "invalid field number 0" : "wire type " + wireType + " for field " + field);
    let n;
    switch (wireType) {
    case 0:
        $varint(reader);
        return;
    case 1:
        n = 8;
        break;
    case 2:
        n = $varint(reader);
        break;
    case 5:
        n = 4;
        break;
    default:
        throw Error("invalid wire type " + wireType + " for field " + field);
    }
    if (n > reader.len - reader.pos)
        throw RangeError("index out of range: field " + field + " runs past the end");
    reader.pos += n;
}
`;

// One message's decoder made strict (patch 4). Returns the patched text and how many fields it has.
function strictDecoder(fn, name) {
  const fields = [];
  let out = fn.replace(/case (\d+): \{\n([\s\S]*?\n\s+break;\n\s+\})/g, (_m, num, body) => {
    // Embedded messages are length-delimited (2); every scalar of lars.proto is a varint (0).
    let wireType;
    if (/\.decode\(reader, reader\.uint32\(\)/.test(body)) wireType = 2;
    else if (/reader\.(?:int32|uint32|bool)\(\)/.test(body)) wireType = 0;
    else throw new Error(`gen: ${name} field ${num}: unknown read in ${JSON.stringify(body)}`);
    fields.push(Number(num));
    return `case ${(Number(num) << 3) | wireType}: {\n${body}`;
  });
  const known = Math.max(...fields);
  if (fields.length !== known || new Set(fields).size !== known) {
    throw new Error(`gen: ${name} fields ${fields} are not 1..${known}; $skipUnknown needs them contiguous`);
  }
  const steps = [
    ['let tag = reader.uint32();', 'let tag = $varint(reader);'],
    ['switch (tag >>> 3) {', 'switch (tag) {'],
    ['reader.skipType(tag & 7, long);', `$skipUnknown(reader, tag, ${known});`],
  ];
  for (const [from, to] of steps) {
    if (!out.includes(from)) throw new Error(`gen: ${name}.decode has no ${JSON.stringify(from)}`);
    out = out.replace(from, to);
  }
  out = out
    .replace(/reader\.int32\(\) >>> 0/g, '$varint(reader)')
    .replace(/reader\.int32\(\)/g, '($varint(reader) | 0)')
    .replace(/reader\.uint32\(\)/g, '$varint(reader)')
    .replace(/reader\.bool\(\)/g, '($varint(reader) !== 0)');
  if (/reader\.(?:int32|uint32|bool|skipType)\(/.test(out)) throw new Error(`gen: ${name}.decode kept a lax read`);
  return { text: out, fields: fields.length };
}

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
    const aliases = 'const $Reader = $protobuf.Reader, $Writer = $protobuf.Writer, $util = $protobuf.util;\n';
    if (!code.includes(aliases)) throw new Error('gen: alias line not found; the pbjs output changed');
    code = code.replace(aliases, `${aliases}${STRICT_READERS}`);
    let decoders = 0;
    let decodedFields = 0;
    code = code.replace(
      /(\w+)\.decode = function decode\(reader, length, error, long\) \{[\s\S]*?\n {8}\};/g,
      (fn, name) => {
        decoders++;
        const strict = strictDecoder(fn, name);
        decodedFields += strict.fields;
        return strict.text;
      },
    );
    // 8 messages, 30 fields in lars.proto: the 26 scalars above and 4 embedded messages.
    if (decoders !== 8 || decodedFields !== 30) {
      throw new Error(`gen: made ${decoders} decoders (${decodedFields} fields) strict, expected 8 (30)`);
    }
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
