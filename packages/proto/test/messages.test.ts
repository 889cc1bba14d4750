import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeBody, encodeBody, isMessageId, MessageId, messageName, RetCode } from '../src/index.js';
import { lars } from '../src/generated/lars.js';
import { GOLDEN_FRAMES } from './golden-frames.js';

function splitFrame(hex: string): { msgid: number; msglen: number; body: Uint8Array } {
  const frame = Buffer.from(hex, 'hex');
  return { msgid: frame.readInt32LE(0), msglen: frame.readInt32LE(4), body: frame.subarray(8) };
}

function frameHex(msgid: number, body: Uint8Array): string {
  const header = Buffer.alloc(8);
  header.writeInt32LE(msgid, 0);
  header.writeInt32LE(body.length, 4);
  return Buffer.concat([header, body]).toString('hex');
}

describe('golden frames (protocol.md)', () => {
  for (const golden of GOLDEN_FRAMES) {
    const label = `${messageName(golden.msgid)} ${golden.hex.slice(0, 24)}…`;

    it(`encodes ${label} to the same bytes`, () => {
      expect(frameHex(golden.msgid, encodeBody(golden.msgid, golden.value))).toBe(golden.hex);
    });

    it(`decodes ${label} to its value`, () => {
      const { msgid, msglen, body } = splitFrame(golden.hex);
      expect(msgid).toBe(golden.msgid);
      expect(msglen).toBe(body.length);
      const decoded = decodeBody(golden.msgid, body);
      // Compare field by field against the value with proto3 defaults filled in.
      expect(withDefaults(golden.msgid, decoded)).toEqual(withDefaults(golden.msgid, golden.value));
    });
  }

  it('decodes a frame whose zero-valued fields are present to the same value', () => {
    // GetHostResponse {seq 7, modid 1, cmdid 2, retcode 0 (written: 20 00), host {ip, port}}
    const withZero = Buffer.from('0807100118022000' + '2a0e08b183a085fcffffffff0110e13c', 'hex');
    const golden = GOLDEN_FRAMES.find((g) => g.hex.startsWith('0500000016'))!;
    expect(withDefaults(5, decodeBody(MessageId.GetHostResponse, withZero))).toEqual(withDefaults(5, golden.value));
    // HostCallResult with succ 0 and overload false written explicitly.
    const report = Buffer.from('08011002' + '220f08b183a085fcffffffff01' + '1800' + '2800', 'hex');
    const decoded = decodeBody(MessageId.ReportStatusRequest, report);
    expect(decoded.results[0].ip).toBe(3232235953);
    expect(decoded.results[0].succ ?? 0).toBe(0);
    expect(decoded.results[0].overload ?? false).toBe(false);
  });

  it('leaves zero-valued fields out when they are set explicitly', () => {
    const body = encodeBody(MessageId.GetHostResponse, { seq: 0, modid: 1, cmdid: 0, retcode: 0 });
    expect(Buffer.from(body).toString('hex')).toBe('1001');
    const result = encodeBody(MessageId.ReportStatusRequest, {
      results: [{ ip: 0, port: 0, succ: 0, err: 0, overload: false }],
    });
    expect(Buffer.from(result).toString('hex')).toBe('2200');
  });

  it('rejects a body that is not the message', () => {
    expect(() => decodeBody(MessageId.GetRouteRequest, Uint8Array.of(0x08))).toThrow();
    expect(() => decodeBody(MessageId.GetHostRequest, Uint8Array.of(0xff, 0xff, 0xff))).toThrow();
  });
});

describe('ids', () => {
  it('match the enums of lars.proto', () => {
    expect(MessageId.GetRouteRequest).toBe(lars.MessageId.ID_GetRouteRequest);
    expect(MessageId.GetRouteResponse).toBe(lars.MessageId.ID_GetRouteResponse);
    expect(MessageId.ReportStatusRequest).toBe(lars.MessageId.ID_ReportStatusRequest);
    expect(MessageId.GetHostRequest).toBe(lars.MessageId.ID_GetHostRequest);
    expect(MessageId.GetHostResponse).toBe(lars.MessageId.ID_GetHostResponse);
    expect(MessageId.ReportRequest).toBe(lars.MessageId.ID_ReportRequest);
    expect(MessageId.ApiGetRouteRequest).toBe(lars.MessageId.ID_API_GetRouteRequest);
    expect(MessageId.ApiGetRouteResponse).toBe(lars.MessageId.ID_API_GetRouteResponse);
    expect(RetCode).toEqual({
      SUCC: lars.LarsRetCode.RET_SUCC,
      OVERLOAD: lars.LarsRetCode.RET_OVERLOAD,
      SYSTEM_ERROR: lars.LarsRetCode.RET_SYSTEM_ERROR,
      NOEXIST: lars.LarsRetCode.RET_NOEXIST,
    });
    expect([0, 1, 8, 9, -1, 1.5].map(isMessageId)).toEqual([false, true, true, false, false, false]);
  });
});

describe('schema and generated code', () => {
  const pkg = fileURLToPath(new URL('..', import.meta.url));

  // lars.proto is the source of truth: the generated code is checked against it
  // below and the wire bytes by the golden frames above; the protocol document
  // must show this schema as it stands, and the frames these tests check.
  it('docs/protocol.md shows lars.proto as it is and every golden frame', () => {
    const doc = readFileSync(fileURLToPath(new URL('../../../docs/protocol.md', import.meta.url)), 'utf8');
    const block = /```proto\n([\s\S]*?)```/.exec(doc);
    expect(block, 'docs/protocol.md has a ```proto block').not.toBeNull();
    expect(block![1]).toBe(readFileSync(`${pkg}lars.proto`, 'utf8'));
    for (const golden of GOLDEN_FRAMES) expect(doc).toContain(`\`${golden.hex}\``);
  });

  it('the generated code is what the generator makes from lars.proto', () => {
    const out = execFileSync(process.execPath, [`${pkg}scripts/gen.mjs`, '--check'], { encoding: 'utf8' });
    expect(out).toContain('up to date');
  });

  it('loads under plain Node ESM (no tsx, no bundler)', () => {
    const script =
      `const { lars } = await import(${JSON.stringify(new URL('../src/generated/lars.js', import.meta.url).href)});` +
      `const b = lars.GetRouteRequest.encode({ modid: 1, cmdid: 2 }).finish();` +
      `process.stdout.write(Buffer.from(b).toString('hex'));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(out).toBe('08011002');
  });
});

/** The value with every proto3 scalar default filled in, so encoded and decoded forms compare equal. */
function withDefaults(msgid: number, value: object): unknown {
  const v = value as Record<string, unknown>;
  const host = (h: unknown) => {
    const x = (h ?? {}) as Record<string, unknown>;
    return { ip: x.ip ?? 0, port: x.port ?? 0 };
  };
  switch (msgid) {
    case 1:
    case 7:
      return { modid: v.modid ?? 0, cmdid: v.cmdid ?? 0 };
    case 2:
    case 8:
      return { modid: v.modid ?? 0, cmdid: v.cmdid ?? 0, host: ((v.host ?? []) as unknown[]).map(host) };
    case 3:
      return {
        modid: v.modid ?? 0,
        cmdid: v.cmdid ?? 0,
        caller: v.caller ?? 0,
        ts: v.ts ?? 0,
        results: ((v.results ?? []) as Record<string, unknown>[]).map((r) => ({
          ...host(r),
          succ: r.succ ?? 0,
          err: r.err ?? 0,
          overload: r.overload ?? false,
        })),
      };
    case 4:
      return { seq: v.seq ?? 0, modid: v.modid ?? 0, cmdid: v.cmdid ?? 0 };
    case 5:
      return {
        seq: v.seq ?? 0,
        modid: v.modid ?? 0,
        cmdid: v.cmdid ?? 0,
        retcode: v.retcode ?? 0,
        host: v.host == null ? null : host(v.host),
      };
    case 6:
      return {
        modid: v.modid ?? 0,
        cmdid: v.cmdid ?? 0,
        host: host(v.host),
        retcode: v.retcode ?? 0,
        timecost: v.timecost ?? 0,
      };
    default:
      throw new Error(`no golden shape for msgid ${msgid}`);
  }
}
