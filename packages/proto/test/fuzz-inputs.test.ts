// The fuzz tests' seeded generator and reference decoder (test-support/fuzz-inputs.ts),
// and a differential fuzz of decodeBody against that reference: for every
// msgid, valid, mutated and random bodies decode (or fail) alike on both.
import { describe, expect, it } from 'vitest';
import {
  encodeFuzzFrame,
  fuzzFrame,
  generateInputs,
  mutateFrame,
  originOf,
} from '../../../test-support/fuzz-inputs.js';
import { DEFAULT_FUZZ_SEED, FuzzRandom, fuzzSeed } from '../../../test-support/fuzz-random.js';
import { classifyDatagram, classifyStream, referenceDecodeBody } from '../../../test-support/fuzz-reference.js';
import { FUZZ_SCHEMA, type FuzzMessage } from '../../../test-support/fuzz-schema.js';
import { decodeBody, type MessageId } from '../src/index.js';
import { GOLDEN_FRAMES } from './golden-frames.js';

type Spec = (typeof FUZZ_SCHEMA)[number];

/** A decoded protobufjs message as the reference's plain data (absent embedded message: undefined). */
function plain(spec: Spec, msg: Record<string, unknown>): FuzzMessage {
  const out: FuzzMessage = {};
  for (const f of spec.fields) {
    const v = msg[f.name];
    if (f.type !== 'message') out[f.name] = v as number | boolean;
    else if (f.repeated) out[f.name] = (v as Record<string, unknown>[]).map((m) => plain(f.message as Spec, m));
    else out[f.name] = v == null ? undefined : plain(f.message as Spec, v as Record<string, unknown>);
  }
  return out;
}

function randomValue(rng: FuzzRandom, spec: Spec, depth = 0): FuzzMessage {
  const out: FuzzMessage = {};
  for (const f of spec.fields) {
    if (rng.chance(0.2)) continue;
    if (f.type === 'bool') out[f.name] = rng.chance(0.5);
    else if (f.type === 'uint32' || f.unsigned) out[f.name] = rng.uint32();
    else if (f.type === 'int32') out[f.name] = rng.int32();
    else if (f.repeated) {
      out[f.name] = Array.from({ length: rng.below(4) }, () => randomValue(rng, f.message as Spec, depth + 1));
    } else out[f.name] = randomValue(rng, f.message as Spec, depth + 1);
  }
  return out;
}

/** The value with proto3 defaults filled in, as a decoder returns it. */
function withDefaults(spec: Spec, value: FuzzMessage): FuzzMessage {
  const out: FuzzMessage = {};
  for (const f of spec.fields) {
    const v = value[f.name];
    if (f.type === 'bool') out[f.name] = v ?? false;
    else if (f.type !== 'message') out[f.name] = v ?? 0;
    else if (f.repeated) out[f.name] = ((v as FuzzMessage[]) ?? []).map((m) => withDefaults(f.message as Spec, m));
    else out[f.name] = v === undefined ? undefined : withDefaults(f.message as Spec, v as FuzzMessage);
  }
  return out;
}

const MSGIDS = [1, 2, 3, 4, 5, 6, 7, 8] as const;

describe('fuzzSeed', () => {
  it('is the default without LARS_FUZZ_SEED, else its decimal or hex value', () => {
    expect(fuzzSeed({})).toBe(DEFAULT_FUZZ_SEED);
    expect(fuzzSeed({ LARS_FUZZ_SEED: '42' })).toBe(42);
    expect(fuzzSeed({ LARS_FUZZ_SEED: '0xff' })).toBe(255);
  });

  it('refuses a value that is not a uint32', () => {
    expect(() => fuzzSeed({ LARS_FUZZ_SEED: 'x' })).toThrow('LARS_FUZZ_SEED = "x"');
    expect(() => fuzzSeed({ LARS_FUZZ_SEED: '-1' })).toThrow('0..4294967295');
  });
});

describe('FuzzRandom and the input mix', () => {
  it('gives the same inputs for the same seed, and others for another', () => {
    const gen = (seed: number) =>
      generateInputs(new FuzzRandom(seed), {
        count: 200,
        valid: (rng) => encodeFuzzFrame(rng, 4, randomValue(rng, FUZZ_SCHEMA[4])),
        msgids: MSGIDS,
        maxRandomBytes: 40,
      }).map((i) => i.bytes.toString('hex'));
    expect(gen(7)).toEqual(gen(7));
    expect(gen(7)).not.toEqual(gen(8));
  });

  it('mixes 7 valid, 7 mutated, 3 random-body and 3 random inputs in 20', () => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < 1000; i++) counts[originOf(i)] = (counts[originOf(i)] ?? 0) + 1;
    expect(counts).toEqual({ valid: 350, mutated: 350, randomBody: 150, random: 150 });
  });
});

describe('reference decoder', () => {
  it('decodes every golden frame (protocol.md) to its value', () => {
    for (const golden of GOLDEN_FRAMES) {
      const bytes = Buffer.from(golden.hex, 'hex');
      const verdict = classifyDatagram(bytes, new Set([golden.msgid]));
      expect(verdict).toEqual({
        kind: 'valid',
        msgid: golden.msgid,
        value: withDefaults(FUZZ_SCHEMA[golden.msgid], golden.value as unknown as FuzzMessage),
      });
    }
  });

  it('classifies headers as the protocol does, on TCP and UDP', () => {
    const handled = new Set([1]);
    const ok = fuzzFrame(1, Buffer.from('08011002', 'hex'));
    expect(classifyStream(Buffer.concat([ok, ok]), handled)).toMatchObject({ frames: [{ kind: 'valid' }, {}] });
    expect(classifyStream(Buffer.concat([ok, ok.subarray(0, 5)]), handled).end).toBe('truncated');
    expect(classifyStream(Buffer.concat([ok, ok.subarray(0, 10)]), handled).end).toBe('truncated');
    const bad = Buffer.from(ok);
    bad.writeInt32LE(65_528, 4);
    expect(classifyStream(Buffer.concat([ok, bad]), handled)).toMatchObject({ frames: [{}], end: 'badHeader' });
    expect(classifyStream(fuzzFrame(9, Buffer.alloc(0)), handled)).toEqual({
      frames: [{ kind: 'unknownMsgid', msgid: 9 }],
      end: 'clean',
    });
    expect(classifyDatagram(ok.subarray(0, 7), handled)).toEqual({ kind: 'badFrame' });
    expect(classifyDatagram(bad, handled)).toEqual({ kind: 'badFrame' });
    expect(classifyDatagram(ok.subarray(0, 11), handled)).toEqual({ kind: 'lengthMismatch' });
    expect(classifyDatagram(fuzzFrame(1, Buffer.from('0d00000000', 'hex')), handled)).toEqual({
      kind: 'badBody',
      msgid: 1,
    });
  });
});

describe('decodeBody against the reference decoder (differential fuzz)', () => {
  const seed = fuzzSeed();
  for (const msgid of MSGIDS) {
    it(`agrees on 4000 valid, mutated and random bodies of msgid ${msgid} (seed ${seed})`, () => {
      const rng = new FuzzRandom(seed ^ msgid);
      const spec = FUZZ_SCHEMA[msgid];
      const tally = { valid: 0, bad: 0 };
      for (let i = 0; i < 4000; i++) {
        const value = randomValue(rng, spec);
        const frame = encodeFuzzFrame(rng, msgid, value);
        let body: Buffer;
        if (i % 4 === 0) {
          body = frame.subarray(8);
          // A valid frame decodes, on both, to the value it was made from.
          expect(plain(spec, decodeBody(msgid as MessageId, body) as never)).toEqual(withDefaults(spec, value));
        } else if (i % 4 === 3) body = rng.bytes(rng.below(48));
        else body = mutateFrame(rng, frame).subarray(8);
        const ref = referenceDecodeBody(msgid, body);
        let daemon: FuzzMessage | null = null;
        try {
          daemon = plain(spec, decodeBody(msgid as MessageId, body) as never);
        } catch {
          // Compared below: the reference must refuse it too.
        }
        const hex = body.toString('hex');
        if (ref.ok) {
          tally.valid++;
          expect({ hex, value: daemon }).toEqual({ hex, value: ref.value });
        } else {
          tally.bad++;
          expect({ hex, value: daemon, why: ref.why }).toEqual({ hex, value: null, why: ref.why });
        }
      }
      // Both outcomes are well represented, or the comparison proves little.
      expect(tally.valid).toBeGreaterThan(1000);
      expect(tally.bad).toBeGreaterThan(400);
    });
  }
});
