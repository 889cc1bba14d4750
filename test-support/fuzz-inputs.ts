// Seeded fuzz inputs for the daemon ports: valid frames in the many encodings
// proto3 allows, mutants of them and random bytes, in a fixed mix
// (fuzz-reference.ts says how a daemon must count each one).
import { FuzzRandom } from './fuzz-random.js';
import { FUZZ_HEADER_BYTES, FUZZ_SCHEMA, type FuzzMessage, type MessageSpec } from './fuzz-schema.js';

function pushVarint(out: number[], value: number, padding = 0): void {
  // value: a uint32, or a negative int32 (sign-extended to 64 bits: 10 bytes).
  if (value < 0) {
    let lo = value >>> 0;
    for (let i = 0; i < 4; i++) {
      out.push((lo & 0x7f) | 0x80);
      lo >>>= 7;
    }
    // Byte 5 holds bits 28-31 of the low word and 32-34 (all ones) of the high word.
    out.push((lo & 0x0f) | 0x70 | 0x80);
    for (let i = 0; i < 4; i++) out.push(0xff);
    out.push(0x01);
    return;
  }
  let v = value >>> 0;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  if (padding === 0) {
    out.push(v);
    return;
  }
  // Redundant high groups of zero bits: `padding` more bytes, the last 0x00.
  out.push(v | 0x80);
  for (let i = 1; i < padding; i++) out.push(0x80);
  out.push(0x00);
}

export interface EncodeShape {
  /** Write zero-valued scalars too (canonical proto3 leaves them out; readers must accept them). */
  zeros?: boolean;
  /** Fields in a shuffled order. */
  shuffle?: boolean;
  /** Add unknown fields (numbers past the message's own, each valid wire type). */
  unknown?: boolean;
  /** Pad some varints with redundant 0x80 bytes (still at most 10). */
  padVarints?: boolean;
}

function encodeMessage(spec: MessageSpec, value: FuzzMessage, rng: FuzzRandom, shape: EncodeShape): number[] {
  // One group per field, so a shuffle keeps the order of a repeated field's items.
  const parts: number[][] = [];
  for (const f of spec.fields) {
    const v = value[f.name];
    if (v === undefined) continue;
    const items = f.repeated ? (v as FuzzMessage[]) : [v];
    const group: number[] = [];
    for (const item of items) {
      const part: number[] = [];
      if (f.type === 'message') {
        const inner = encodeMessage(f.message as MessageSpec, item as FuzzMessage, rng, shape);
        pushVarint(part, (f.num << 3) | 2);
        pushVarint(part, inner.length);
        part.push(...inner);
      } else {
        let n = typeof item === 'boolean' ? (item ? 1 : 0) : (item as number);
        if (n === 0 && !shape.zeros) continue;
        if (f.type === 'int32') n |= 0;
        else n >>>= 0;
        pushVarint(part, f.num << 3);
        const pad = shape.padVarints && n >= 0 && rng.chance(0.3) ? rng.between(1, 3) : 0;
        pushVarint(part, n, pad);
      }
      group.push(...part);
    }
    if (group.length > 0) parts.push(group);
  }
  if (shape.unknown) {
    const first = spec.fields.length + 1;
    for (let k = rng.between(1, 3); k > 0; k--) {
      const part: number[] = [];
      const num = rng.between(first, first + 200);
      const wt = rng.pick([0, 1, 2, 5]);
      pushVarint(part, (num << 3) | wt);
      if (wt === 0) pushVarint(part, rng.uint32());
      else if (wt === 1) part.push(...rng.bytes(8));
      else if (wt === 5) part.push(...rng.bytes(4));
      else {
        const len = rng.below(12);
        pushVarint(part, len);
        part.push(...rng.bytes(len));
      }
      parts.splice(rng.below(parts.length + 1), 0, part);
    }
  }
  if (shape.shuffle) {
    for (let i = parts.length - 1; i > 0; i--) {
      const j = rng.below(i + 1);
      [parts[i], parts[j]] = [parts[j], parts[i]];
    }
  }
  return parts.flat();
}

/** `[msgid][msglen][body]`. */
export function fuzzFrame(msgid: number, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FUZZ_HEADER_BYTES + body.length);
  out.writeInt32LE(msgid | 0, 0);
  out.writeInt32LE(body.length, 4);
  out.set(body, FUZZ_HEADER_BYTES);
  return out;
}

/** A valid frame of `value` for `msgid`, in a random one of the encodings proto3 allows. */
export function encodeFuzzFrame(rng: FuzzRandom, msgid: number, value: FuzzMessage): Buffer {
  const shape: EncodeShape = rng.chance(0.5)
    ? {}
    : { zeros: rng.chance(0.5), shuffle: rng.chance(0.5), unknown: rng.chance(0.5), padVarints: rng.chance(0.5) };
  return fuzzFrame(msgid, Buffer.from(encodeMessage(FUZZ_SCHEMA[msgid], value, rng, shape)));
}

/** The canonical encoding of `value` (fields in order, zeros left out, minimal varints), as the SDK writes it. */
export function canonicalFuzzFrame(msgid: number, value: FuzzMessage): Buffer {
  return fuzzFrame(msgid, Buffer.from(encodeMessage(FUZZ_SCHEMA[msgid], value, new FuzzRandom(0), {})));
}

// ---- generator ----------------------------------------------------------
/** Where an input came from; the mix is fixed by the input's index. */
export type FuzzOrigin = 'valid' | 'mutated' | 'randomBody' | 'random';

export interface FuzzInput {
  readonly origin: FuzzOrigin;
  readonly bytes: Buffer;
}

/**
 * The fixed mix, by index mod 20: 7 valid frames, 7 mutated valid frames, 3
 * random bodies behind a valid header of a random msgid, 3 random byte strings.
 */
export function originOf(index: number): FuzzOrigin {
  const r = index % 20;
  if (r < 7) return 'valid';
  if (r < 14) return 'mutated';
  if (r < 17) return 'randomBody';
  return 'random';
}

const INTERESTING_BYTES = [0x00, 0x01, 0x02, 0x07, 0x08, 0x0a, 0x10, 0x7f, 0x80, 0xff] as const;

/** 1 to 3 random edits of `frame`: bit flips, byte values, inserts, deletes, cuts, header edits. */
export function mutateFrame(rng: FuzzRandom, frame: Buffer): Buffer {
  let b = Buffer.from(frame);
  for (let k = rng.between(1, 3); k > 0; k--) {
    const at = b.length === 0 ? 0 : rng.below(b.length);
    switch (rng.below(9)) {
      case 0:
        if (b.length > 0) b[at] ^= 1 << rng.below(8);
        break;
      case 1:
        if (b.length > 0) b[at] = rng.pick(INTERESTING_BYTES);
        break;
      case 2:
        b = Buffer.concat([b.subarray(0, at), rng.bytes(rng.between(1, 4)), b.subarray(at)]);
        break;
      case 3:
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + rng.between(1, 4)))]);
        break;
      case 4:
        b = b.subarray(0, at);
        break;
      case 5:
        b = Buffer.concat([b, rng.bytes(rng.between(1, 16))]);
        break;
      case 6:
        if (b.length >= 4) b.writeInt32LE(rng.chance(0.5) ? rng.between(-1, 10) : rng.next() | 0, 0);
        break;
      case 7:
        if (b.length >= 8) b.writeInt32LE((b.readInt32LE(4) + rng.pick([-2, -1, 1, 2, 8, 0x1_0000])) | 0, 4);
        break;
      default:
        // A body edit that keeps msglen true, so the body decoder (not the header check) meets it.
        if (b.length > FUZZ_HEADER_BYTES) {
          b[rng.between(FUZZ_HEADER_BYTES, b.length - 1)] = rng.next() & 0xff;
          b.writeInt32LE(b.length - FUZZ_HEADER_BYTES, 4);
        }
    }
  }
  // Half the mutants get their msglen fixed up, so most edits reach the body decoder.
  if (rng.chance(0.5) && b.length >= FUZZ_HEADER_BYTES) b.writeInt32LE(b.length - FUZZ_HEADER_BYTES, 4);
  return b;
}

export interface GenerateOptions {
  count: number;
  /** A valid frame of a request the port serves. */
  valid: (rng: FuzzRandom) => Buffer;
  /** Msgids a random body is put behind (the port's own and others). */
  msgids: readonly number[];
  /** Longest random byte string (and random body). */
  maxRandomBytes: number;
}

/** `count` inputs in the fixed mix of originOf. */
export function generateInputs(rng: FuzzRandom, options: GenerateOptions): FuzzInput[] {
  const out: FuzzInput[] = [];
  for (let i = 0; i < options.count; i++) {
    const origin = originOf(i);
    let bytes: Buffer;
    if (origin === 'valid') bytes = options.valid(rng);
    else if (origin === 'mutated') bytes = mutateFrame(rng, options.valid(rng));
    else if (origin === 'randomBody') {
      bytes = fuzzFrame(rng.pick(options.msgids), rng.bytes(rng.below(options.maxRandomBytes + 1)));
    } else bytes = rng.bytes(rng.below(options.maxRandomBytes + 1));
    out.push({ origin, bytes });
  }
  return out;
}
