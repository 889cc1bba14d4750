import { intToIp, MessageId, RetCode } from '@lars/proto';
import type { DecodedMessageMap } from '@lars/proto';
import { ClientErrorCode, LarsClientError } from './client-errors.js';
import type { GetRouteResult, HostAddress } from './client-results.js';
import { RequestTable } from './request-table.js';
import type { KeyedEntry } from './request-table.js';

interface RouteEntry extends KeyedEntry<string> {
  /** Every caller waiting for this key's route. */
  readonly waiters: Array<(result: GetRouteResult) => void>;
}

function routeKey(modid: number, cmdid: number): string {
  return `${modid}:${cmdid}`;
}

/**
 * API_GetRoute requests in flight on one client. The request carries no seq
 * on the wire, so a reply can only be matched by its (modid, cmdid): all
 * concurrent getRoute calls for one key share ONE request (and its retries),
 * and its reply settles them all. A reply for a key nobody is waiting for
 * (late, after a timeout) is dropped and counted as stale.
 */
export class RouteRequests extends RequestTable<string, RouteEntry> {
  /** Every host of (modid, cmdid); joins the request already in flight for the key, if any. */
  request(modid: number, cmdid: number): Promise<GetRouteResult> {
    if (this.closedWith !== null) return Promise.resolve(systemError(this.closedWith));
    const key = routeKey(modid, cmdid);
    const joined = this.pending.get(key);
    if (joined !== undefined) return new Promise((resolve) => joined.waiters.push(resolve));
    if (!this.sendRequest(modid, cmdid)) {
      const error = new LarsClientError(
        ClientErrorCode.SEND_FAILED,
        `get_route ${modid}/${cmdid}: the socket refused the request`,
      );
      return Promise.resolve(systemError(error));
    }
    const entry: RouteEntry = { key, modid, cmdid, deadline: 0, attempts: 0, waiters: [] };
    const result = new Promise<GetRouteResult>((resolve) => entry.waiters.push(resolve));
    this.pending.add(entry);
    return result;
  }

  /** Matches one API_GetRouteResponse from the agent. */
  onResponse(res: DecodedMessageMap[typeof MessageId.ApiGetRouteResponse]): void {
    const entry = this.pending.take(routeKey(res.modid, res.cmdid));
    if (entry === undefined) {
      this.stale++;
      return;
    }
    this.matched++;
    // Each waiter gets its own array: one caller sorting or editing its hosts must not affect another.
    for (const resolve of entry.waiters) resolve(toResult(res));
  }

  /** @internal PendingHandlers: an attempt timed out and a retry is left. */
  resend(entry: RouteEntry): void {
    this.sendRequest(entry.modid, entry.cmdid);
  }

  /** @internal PendingHandlers: the last attempt timed out. */
  expire(entry: RouteEntry): void {
    const why = `no reply from the agent for get_route ${entry.modid}/${entry.cmdid} after ${entry.attempts} attempt(s) of ${this.pending.timeoutMs} ms`;
    this.settle(entry, new LarsClientError(ClientErrorCode.TIMEOUT, why));
  }

  /** Every waiter gets its own result (and `hosts` array). */
  protected override settle(entry: RouteEntry, error: LarsClientError): void {
    for (const resolve of entry.waiters) resolve(systemError(error));
  }

  private sendRequest(modid: number, cmdid: number): boolean {
    return this.link.send(modid, cmdid, MessageId.ApiGetRouteRequest, { modid, cmdid });
  }
}

function systemError(error: LarsClientError): GetRouteResult {
  return { ret: RetCode.SYSTEM_ERROR, hosts: [], error };
}

function toResult(res: DecodedMessageMap[typeof MessageId.ApiGetRouteResponse]): GetRouteResult {
  if (res.host.length === 0) return { ret: RetCode.NOEXIST, hosts: [] };
  const hosts: HostAddress[] = res.host.map((h) => ({ ip: intToIp(h.ip ?? 0), port: h.port ?? 0 }));
  return { ret: RetCode.SUCC, hosts };
}
