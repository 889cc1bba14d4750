// Who the route tool acts as in the route history: the OS user running it,
// from `cli <user>@<hostname>`. Not an argument or a variable: the history
// records who ran the command, not who they said they were.
import { hostname, userInfo } from 'node:os';
import type { RouteActor } from '@lars/store';

/** The OS user's name; a uid without a passwd entry (some containers) is named by its number. */
function osUser(): string {
  try {
    return userInfo().username;
  } catch (err) {
    // userInfo() throws (SystemError ENOENT) only when the uid has no passwd entry.
    if ((err as { code?: unknown }).code !== 'ERR_SYSTEM_ERROR' && (err as { code?: unknown }).code !== 'ENOENT')
      throw err;
    return `uid ${process.getuid?.() ?? 'unknown'}`;
  }
}

export function cliActor(): RouteActor {
  const user = osUser();
  return { user, source: `cli ${user}@${hostname()}` };
}
