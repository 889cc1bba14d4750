import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * scrypt cost. N = 2^15, r = 8: about 32 MiB and tens of ms per hash, the
 * cost OWASP suggests; stored with every hash (`N=..,r=..,p=..,len=..`) so
 * raising it later leaves existing hashes verifiable.
 */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
  keyLength: number;
}

export const SCRYPT_DEFAULTS: ScryptParams = { N: 2 ** 15, r: 8, p: 1, keyLength: 32 };

const SALT_BYTES = 16;

export interface PasswordHash {
  hash: Buffer;
  salt: Buffer;
  params: string;
}

function derive(password: string, salt: Buffer, p: ScryptParams): Promise<Buffer> {
  // maxmem above scrypt's 128 * N * r so the default cost is allowed (Node's default cap is 32 MiB).
  const maxmem = 256 * p.N * p.r;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, p.keyLength, { N: p.N, r: p.r, p: p.p, maxmem }, (err, key) =>
      err === null ? resolve(key) : reject(err),
    );
  });
}

export function formatParams(p: ScryptParams): string {
  return `N=${p.N},r=${p.r},p=${p.p},len=${p.keyLength}`;
}

/** The params a stored hash was made with; null when the text is not ours. */
export function parseParams(text: string): ScryptParams | null {
  const m = /^N=(\d+),r=(\d+),p=(\d+),len=(\d+)$/.exec(text);
  if (m === null) return null;
  const [N, r, p, keyLength] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
  if ((N & (N - 1)) !== 0 || N < 2 || N > 2 ** 20 || r < 1 || r > 32 || p < 1 || p > 16) return null;
  if (keyLength < 16 || keyLength > 64) return null;
  return { N, r, p, keyLength };
}

/** A fresh salt and the scrypt hash of `password` under it. */
export async function hashPassword(password: string, params: ScryptParams = SCRYPT_DEFAULTS): Promise<PasswordHash> {
  const salt = randomBytes(SALT_BYTES);
  return { hash: await derive(password, salt, params), salt, params: formatParams(params) };
}

/** Whether `password` hashes to `stored`; the comparison takes the same time wherever the bytes differ. */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const params = parseParams(stored.params);
  if (params === null || params.keyLength !== stored.hash.length) return false;
  const key = await derive(password, stored.salt, params);
  return timingSafeEqual(key, stored.hash);
}

/** A hash to verify against when the user does not exist, so an unknown name costs as much time as a wrong password. */
export function dummyHash(): Promise<PasswordHash> {
  dummy ??= hashPassword('lars-web: no such user');
  return dummy;
}
let dummy: Promise<PasswordHash> | null = null;
