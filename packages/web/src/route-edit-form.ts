// What a route page's forms and the changes API send, turned into the
// store's RouteEdit[] for one route (the URL names it), or a message naming
// the field that was wrong. Nothing here reads or writes the database.
import { intToIp, parseIpv4 } from '@lars/proto';
import { MAX_REPLACE_HOSTS, type RouteEdit } from '@lars/store';

/** One edit as the API and the confirm page's hidden field carry it: hosts as dotted IPv4. */
export type EditJson =
  | { op: 'add' | 'del' | 'disable' | 'enable'; ip: string; port: number }
  | { op: 'del-route' }
  | { op: 'replace'; hosts: { ip: string; port: number }[] };

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const HOST_OPS = new Set(['add', 'del', 'disable', 'enable']);

const fail = (message: string): { ok: false; message: string } => ({ ok: false, message });

/** A dotted IPv4 address as the unsigned number, or a message naming `field`. */
export function parseIpField(field: string, text: unknown): Parsed<number> {
  const ip = typeof text === 'string' ? parseIpv4(text.trim()) : -1;
  if (ip < 0) return fail(`${field}: ${JSON.stringify(text)} is not a dotted IPv4 address (such as 10.0.0.7)`);
  return { ok: true, value: ip };
}

/** A port 1..65535 (a number, or a form's decimal text), or a message naming `field`. */
export function parsePortField(field: string, value: unknown): Parsed<number> {
  const n = typeof value === 'string' && /^\s*\d{1,5}\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 65535)
    return fail(`${field}: ${JSON.stringify(value)} is not a port 1..65535`);
  return { ok: true, value: n };
}

/** The replace form's textarea: one `ip:port` a line; blank lines and `#` comments skipped. */
export function parseHostLines(field: string, text: string): Parsed<{ ip: number; port: number }[]> {
  const hosts: { ip: number; port: number }[] = [];
  const seen = new Set<number>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/#.*/, '').trim();
    if (line === '') continue;
    const m = /^([^\s:]+):(\S+)$/.exec(line);
    if (m === null) return fail(`${field} line ${i + 1}: ${JSON.stringify(line)} is not ip:port`);
    const ip = parseIpField(`${field} line ${i + 1}`, m[1]);
    if (!ip.ok) return ip;
    const port = parsePortField(`${field} line ${i + 1}`, m[2]);
    if (!port.ok) return port;
    const key = ip.value * 65_536 + port.value;
    if (seen.has(key)) return fail(`${field} line ${i + 1}: ${line} is listed twice`);
    seen.add(key);
    hosts.push({ ip: ip.value, port: port.value });
  }
  if (hosts.length > MAX_REPLACE_HOSTS) return fail(`${field}: ${hosts.length} hosts, at most ${MAX_REPLACE_HOSTS}`);
  return { ok: true, value: hosts };
}

/** The JSON edits (API body, confirm page) of route (modid, cmdid) as RouteEdit[]. */
export function editsFromJson(modid: number, cmdid: number, edits: unknown): Parsed<RouteEdit[]> {
  if (!Array.isArray(edits)) return fail('edits: must be a list');
  const out: RouteEdit[] = [];
  for (let i = 0; i < edits.length; i++) {
    const e = edits[i] as Record<string, unknown>;
    const at = `edits[${i}]`;
    if (e === null || typeof e !== 'object') return fail(`${at}: must be an object`);
    if (e.op === 'del-route') {
      out.push({ op: 'del-route', modid, cmdid });
    } else if (e.op === 'replace') {
      if (!Array.isArray(e.hosts)) return fail(`${at}.hosts: must be a list of {ip, port}`);
      const hosts: { ip: number; port: number }[] = [];
      for (let j = 0; j < e.hosts.length; j++) {
        const h = (e.hosts[j] ?? {}) as Record<string, unknown>;
        const ip = parseIpField(`${at}.hosts[${j}].ip`, h.ip);
        if (!ip.ok) return ip;
        const port = parsePortField(`${at}.hosts[${j}].port`, h.port);
        if (!port.ok) return port;
        hosts.push({ ip: ip.value, port: port.value });
      }
      out.push({ op: 'replace', modid, cmdid, hosts });
    } else if (typeof e.op === 'string' && HOST_OPS.has(e.op)) {
      const ip = parseIpField(`${at}.ip`, e.ip);
      if (!ip.ok) return ip;
      const port = parsePortField(`${at}.port`, e.port);
      if (!port.ok) return port;
      out.push({ op: e.op as 'add', modid, cmdid, ip: ip.value, port: port.value });
    } else {
      return fail(`${at}.op: ${JSON.stringify(e.op)} is not add, del, disable, enable, del-route or replace`);
    }
  }
  return { ok: true, value: out };
}

/** RouteEdit[] back as JSON edits (dotted IPv4), for the confirm page's hidden field. */
export function editsToJson(edits: readonly RouteEdit[]): EditJson[] {
  return edits.map((e) => {
    switch (e.op) {
      case 'del-route':
        return { op: 'del-route' };
      case 'replace':
        return { op: 'replace', hosts: e.hosts.map((h) => ({ ip: intToIp(h.ip), port: h.port })) };
      default:
        return { op: e.op, ip: intToIp(e.ip), port: e.port };
    }
  });
}

/** The route page's forms: `op` and its fields, as posted. */
export interface EditForm {
  op: string;
  ip?: string;
  port?: string;
  old_ip?: string;
  old_port?: string;
  hosts?: string;
}

/**
 * A route page form as RouteEdit[]: add, del, disable, enable (ip, port),
 * edit (old_ip:old_port becomes ip:port: a del and an add in one change),
 * del-route, replace (the hosts textarea).
 */
export function editsFromForm(modid: number, cmdid: number, f: EditForm): Parsed<RouteEdit[]> {
  const host = (ipField: 'ip' | 'old_ip', portField: 'port' | 'old_port'): Parsed<{ ip: number; port: number }> => {
    const ip = parseIpField(ipField, f[ipField]);
    if (!ip.ok) return ip;
    const port = parsePortField(portField, f[portField]);
    if (!port.ok) return port;
    return { ok: true, value: { ip: ip.value, port: port.value } };
  };
  switch (f.op) {
    case 'add':
    case 'del':
    case 'disable':
    case 'enable': {
      const h = host('ip', 'port');
      return h.ok ? { ok: true, value: [{ op: f.op, modid, cmdid, ...h.value }] } : h;
    }
    case 'edit': {
      const from = host('old_ip', 'old_port');
      if (!from.ok) return from;
      const to = host('ip', 'port');
      if (!to.ok) return to;
      if (from.value.ip === to.value.ip && from.value.port === to.value.port)
        return fail('ip, port: the new address is the host as it is');
      return {
        ok: true,
        value: [
          { op: 'del', modid, cmdid, ...from.value },
          { op: 'add', modid, cmdid, ...to.value },
        ],
      };
    }
    case 'del-route':
      return { ok: true, value: [{ op: 'del-route', modid, cmdid }] };
    case 'replace': {
      const hosts = parseHostLines('hosts', f.hosts ?? '');
      return hosts.ok ? { ok: true, value: [{ op: 'replace', modid, cmdid, hosts: hosts.value }] } : hosts;
    }
    default:
      return fail(`op: ${JSON.stringify(f.op)} is not add, edit, del, disable, enable, del-route or replace`);
  }
}
