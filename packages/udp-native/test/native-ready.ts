import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BatchUdpSocket, NATIVE_BINARY_PATH } from '../src/index.js';

const BUILD_SCRIPT = fileURLToPath(new URL('../../../scripts/build-native.sh', import.meta.url));

/**
 * Builds the addon when it is missing, then fails loudly if it still does not
 * load: these tests exist to exercise the native code, so they never skip.
 */
export function ensureNativeBuilt(): void {
  if (!existsSync(NATIVE_BINARY_PATH)) execFileSync('bash', [BUILD_SCRIPT], { stdio: 'inherit' });
  const err = BatchUdpSocket.loadError();
  if (err !== undefined) throw err;
}
