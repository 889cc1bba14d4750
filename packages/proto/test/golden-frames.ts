// The golden frames of protocol.md: whole frames (header + body) as the
// original C++ peers write them, with the value each carries.
import type { MessageId, MessageMap } from '../src/index.js';

export interface GoldenFrame<M extends MessageId = MessageId> {
  msgid: M;
  value: MessageMap[M];
  hex: string;
}

const IP_177 = 3232235953;
const IP_178 = 3232235954;

export const GOLDEN_FRAMES: readonly GoldenFrame[] = [
  { msgid: 1, value: { modid: 1, cmdid: 2 }, hex: '010000000400000008011002' },
  {
    msgid: 2,
    value: {
      modid: 1,
      cmdid: 2,
      host: [
        { ip: IP_177, port: 7777 },
        { ip: IP_178, port: 7776 },
      ],
    },
    hex: '0200000024000000080110021a0e08b183a085fcffffffff0110e13c1a0e08b283a085fcffffffff0110e03c',
  },
  { msgid: 2, value: { modid: 5, cmdid: 1, host: [] }, hex: '020000000400000008051001' },
  {
    msgid: 3,
    value: {
      modid: 1,
      cmdid: 2,
      caller: 2130706433,
      ts: 1700000000,
      results: [
        { ip: IP_177, port: 7777, succ: 10, err: 2, overload: false },
        { ip: IP_178, port: 7776, succ: 0, err: 5, overload: true },
      ],
    },
    hex: '03000000380000000801100218818080f807221208b183a085fcffffffff0110e13c180a2002221208b283a085fcffffffff0110e03c200528012880e2cfaa06',
  },
  { msgid: 4, value: { seq: 7, modid: 1, cmdid: 2 }, hex: '0400000006000000080710011802' },
  {
    msgid: 5,
    value: { seq: 7, modid: 1, cmdid: 2, retcode: 0, host: { ip: IP_177, port: 7777 } },
    hex: '05000000160000000807100118022a0e08b183a085fcffffffff0110e13c',
  },
  { msgid: 5, value: { seq: 8, modid: 1, cmdid: 2, retcode: 1 }, hex: '05000000080000000808100118022001' },
  { msgid: 5, value: { seq: 9, modid: 9, cmdid: 9, retcode: 3 }, hex: '05000000080000000809100918092003' },
  {
    msgid: 6,
    value: { modid: 1, cmdid: 2, host: { ip: IP_177, port: 7777 }, retcode: 1 },
    hex: '0600000016000000080110021a0e08b183a085fcffffffff0110e13c2001',
  },
  {
    msgid: 6,
    value: { modid: 1, cmdid: 2, host: { ip: IP_177, port: 7777 }, retcode: 1, timecost: 1000 },
    hex: '0600000019000000080110021a0e08b183a085fcffffffff0110e13c200128e807',
  },
  { msgid: 7, value: { modid: 1, cmdid: 2 }, hex: '070000000400000008011002' },
  {
    msgid: 8,
    value: { modid: 1, cmdid: 2, host: [{ ip: IP_177, port: 7777 }] },
    hex: '0800000014000000080110021a0e08b183a085fcffffffff0110e13c',
  },
];
