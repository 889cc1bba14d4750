// The agent's one reply per get_host, encoded without protobufjs's Writer.
// protobufjs builds a list of operation objects per field and a Buffer per
// message: about 700 bytes of garbage per reply, nine tenths of what
// AgentCore.getHost allocated (706 bytes per call before, 17 after), which
// set the pace of the agent's young collections. This writes the same bytes
// (get-host-response-writer.test.ts compares them with encodeBody over edge
// and seeded random values) into one reused buffer.
import type { GetHostResponse } from './messages.js';

/**
 * The longest body: tags 1-4 with their varints (seq as uint32 takes at most
 * 5 bytes; a negative int32 takes 10, as protobufjs writes it sign-extended
 * to 64 bits) and host: tag, length, and ip and port as int32.
 */
const MAX_BYTES = 1 + 5 + 3 * (1 + 10) + 2 + 2 * (1 + 10);

/**
 * Encodes GetHostResponse bodies as protobufjs's encodeBody does, byte for
 * byte (proto3: a zero field and an absent host are left out), into one
 * buffer it owns. The view returned is valid until the next encode: give it
 * to something that copies it at once (UdpTransport.sendFrame does). The
 * views are made once per length, so encoding allocates nothing.
 */
export class GetHostResponseWriter {
  private readonly buffer = new Uint8Array(MAX_BYTES);
  private readonly views: Uint8Array[] = Array.from({ length: MAX_BYTES + 1 }, (_, n) => this.buffer.subarray(0, n));
  private at = 0;

  encode(message: Readonly<GetHostResponse>): Uint8Array {
    this.at = 0;
    if (message.seq) this.tagged(1 << 3, message.seq >>> 0);
    if (message.modid) this.tagged(2 << 3, message.modid | 0);
    if (message.cmdid) this.tagged(3 << 3, message.cmdid | 0);
    if (message.retcode) this.tagged(4 << 3, message.retcode | 0);
    const host = message.host;
    if (host != null) {
      // Each field is at most 11 bytes, so the length fits one varint byte.
      this.buffer[this.at++] = (5 << 3) | 2;
      const lengthAt = this.at++;
      if (host.ip) this.tagged(1 << 3, host.ip | 0);
      if (host.port) this.tagged(2 << 3, host.port | 0);
      this.buffer[lengthAt] = this.at - lengthAt - 1;
    }
    return this.views[this.at];
  }

  /**
   * A varint field (wire type 0): `value` is a uint32 (from >>> 0) or an
   * int32 (from | 0); a negative int32 is written as protobufjs writes it,
   * sign-extended to ten bytes.
   */
  private tagged(tag: number, value: number): void {
    const b = this.buffer;
    b[this.at++] = tag;
    if (value < 0) {
      // The low 32 bits as seven-bit groups, then the sign extension: 0xff... bits 35-63.
      let low = value >>> 0;
      for (let i = 0; i < 4; i++) {
        b[this.at++] = (low & 0x7f) | 0x80;
        low >>>= 7;
      }
      // Bits 28-31 of the value, and bits 32-34 all ones.
      b[this.at++] = low | 0x70 | 0x80;
      for (let i = 0; i < 4; i++) b[this.at++] = 0xff;
      b[this.at++] = 0x01;
      return;
    }
    while (value > 0x7f) {
      b[this.at++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    b[this.at++] = value;
  }
}
