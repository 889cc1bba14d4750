// Finds the ERR packets in the bytes a MySQL server sends, for a pooled
// connection's stream (FailoverStream) to learn that the server it is on
// has stopped serving (a Galera node out of the primary component: 1047;
// read-only: 1290) though the connection is fine. A pure state machine over
// chunks as they arrive; it never holds on to a chunk.
//
// The framing (MySQL client/server protocol, uncompressed, no TLS): every
// packet is a 3-byte little-endian payload length, a sequence byte, then the
// payload. A payload of 0xffffff bytes continues in the next packet. An ERR
// packet's payload starts with 0xff and the 2-byte little-endian error
// number; no other packet a server sends starts with 0xff (OK and EOF start
// 0x00 / 0xfe, a result set's column count and text-protocol values are
// length-encoded, where 0xff is not a prefix, binary rows start 0x00).

const HEADER_BYTES = 4;
/** The payload length that means "continued in the next packet". */
const MAX_PAYLOAD = 0xffffff;
const ERR_MARKER = 0xff;

/** Called with the error number of each ERR packet. */
export type ErrPacketHandler = (errno: number) => void;

export class MysqlErrScanner {
  /** Bytes of the current header seen (0..3), or HEADER_BYTES once inside a payload. */
  private headerSeen = 0;
  private readonly header = new Uint8Array(HEADER_BYTES);
  /** Payload bytes of the current packet not yet passed. */
  private remaining = 0;
  /** Payload bytes of the current packet looked at, up to 3 (the marker and the errno); the rest is skipped. */
  private payloadSeen = 0;
  /** The current packet continues an earlier one: its first byte is not a packet type. */
  private continuation = false;
  private lastWasMax = false;
  private errLow = 0;
  private isErr = false;

  constructor(private readonly onErr: ErrPacketHandler) {}

  feed(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.headerSeen < HEADER_BYTES) {
        this.header[this.headerSeen++] = chunk[i++];
        if (this.headerSeen === HEADER_BYTES) this.startPayload();
        continue;
      }
      if (this.payloadSeen < 3 && !this.continuation) {
        this.payloadByte(chunk[i++]);
        continue;
      }
      // The rest of the payload is skipped whole.
      const skip = Math.min(this.remaining, chunk.length - i);
      i += skip;
      this.remaining -= skip;
      this.endIfDone();
    }
  }

  /** At the payload's end the next byte starts a header. */
  private endIfDone(): void {
    if (this.remaining === 0) this.headerSeen = 0;
  }

  private startPayload(): void {
    const h = this.header;
    this.remaining = h[0] | (h[1] << 8) | (h[2] << 16);
    this.payloadSeen = 0;
    this.isErr = false;
    this.continuation = this.lastWasMax;
    this.lastWasMax = this.remaining === MAX_PAYLOAD;
    this.endIfDone();
  }

  private payloadByte(b: number): void {
    const at = this.payloadSeen++;
    this.remaining--;
    if (at === 0) this.isErr = b === ERR_MARKER;
    else if (at === 1) this.errLow = b;
    else if (this.isErr) this.onErr(this.errLow | (b << 8));
    this.endIfDone();
  }
}
