import { HashRing, routeKey, type TcpAddress } from '@lars/reactor';
import { peerName } from './peer-defaults.js';
import { ReportLink, type ReportLinkOptions, type ReportLinkStats } from './report-link.js';

/** The per-reporter metric values (AGENT_METRICS `reporterLink*`, by peer) and their sums. */
export interface ReportLinksValues {
  reportersConnected: number;
  reportQueueFrames: number;
  reportsDropped: number;
  reporterLinkUp: Record<string, number>;
  reporterLinkConnects: Record<string, number>;
  reporterLinkQueueFrames: Record<string, number>;
  reporterLinkUnconfirmedFrames: Record<string, number>;
  reporterLinkDropped: Record<string, number>;
  reporterLinkOverflow: Record<string, number>;
  reporterLinkResends: Record<string, number>;
  reporterLinkConfirmed: Record<string, number>;
  reporterLinkStalls: Record<string, number>;
}

/**
 * The agent's links to its reporters: each route reports to one of them, by
 * consistent hash of its key, so one route's snapshots always go in order
 * over one link (report-link.ts: at-least-once, ordered, bounded).
 */
export class ReportLinks {
  private readonly links: ReportLink[];
  private readonly ring: HashRing<number>;

  constructor(
    private readonly addresses: readonly TcpAddress[],
    options: ReportLinkOptions,
  ) {
    this.links = addresses.map((address) => new ReportLink(address, options));
    this.ring = new HashRing(
      addresses.map((_, i) => i),
      { nodeKey: (i, replica) => `${peerName(addresses[i])}#${replica}` },
    );
  }

  connect(): void {
    for (const link of this.links) link.connect();
  }

  /** Queues one ReportStatusRequest body on the route's link; false when the link refuses it (counted there). */
  send(modid: number, cmdid: number, body: Uint8Array): boolean {
    return this.links[this.ring.get(routeKey(modid, cmdid)) ?? 0].send(body);
  }

  async close(): Promise<void> {
    await Promise.all(this.links.map((link) => link.close()));
  }

  /** Each link's up/down, by peer (`/readyz` info). */
  connectedByPeer(): Record<string, boolean> {
    return Object.fromEntries(this.links.map((link, i) => [peerName(this.addresses[i]), link.stats().connected]));
  }

  values(): ReportLinksValues {
    const stats = this.links.map((link) => link.stats());
    const byPeer = (value: (s: ReportLinkStats) => number) =>
      Object.fromEntries(stats.map((s, i) => [peerName(this.addresses[i]), value(s)]));
    return {
      reportersConnected: stats.filter((s) => s.connected).length,
      reportQueueFrames: stats.reduce((n, s) => n + s.queuedFrames, 0),
      reportsDropped: stats.reduce((n, s) => n + s.overflow + s.dropped, 0),
      reporterLinkUp: byPeer((s) => (s.connected ? 1 : 0)),
      reporterLinkConnects: byPeer((s) => s.connects),
      reporterLinkQueueFrames: byPeer((s) => s.queuedFrames),
      reporterLinkUnconfirmedFrames: byPeer((s) => s.unconfirmedFrames),
      reporterLinkDropped: byPeer((s) => s.overflow + s.dropped),
      reporterLinkOverflow: byPeer((s) => s.overflow),
      reporterLinkResends: byPeer((s) => s.resends),
      reporterLinkConfirmed: byPeer((s) => s.confirmed),
      reporterLinkStalls: byPeer((s) => s.stalls),
    };
  }
}
