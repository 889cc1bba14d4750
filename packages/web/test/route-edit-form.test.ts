// The route page's forms and the changes API's JSON as the store's
// RouteEdit[]: what is accepted becomes exactly those edits, and what is
// not gets a message naming the field (no database here).
import { ipToInt } from '@lars/proto';
import { MAX_REPLACE_HOSTS } from '@lars/store';
import { describe, expect, it } from 'vitest';
import {
  editsFromForm,
  editsFromJson,
  editsToJson,
  parseHostLines,
  parseIpField,
  parsePortField,
} from '../src/route-edit-form.js';

const A = ipToInt('10.0.0.1');
const B = ipToInt('10.0.0.2');

describe('fields', () => {
  it('takes a dotted IPv4 address and a port 1..65535, as text or number', () => {
    expect(parseIpField('ip', ' 10.0.0.1 ')).toEqual({ ok: true, value: A });
    expect(parseIpField('ip', '255.255.255.255')).toEqual({ ok: true, value: 0xffff_ffff });
    expect(parsePortField('port', '80')).toEqual({ ok: true, value: 80 });
    expect(parsePortField('port', 65535)).toEqual({ ok: true, value: 65535 });
    expect(parsePortField('port', '1')).toEqual({ ok: true, value: 1 });
  });

  it('refuses anything else, naming the field and the value', () => {
    for (const bad of ['300.1.1.1', '10.0.0', '10.0.0.1.2', 'host', '', '0x0a000001', '10.0.0.-1'])
      expect(parseIpField('ip', bad)).toEqual({
        ok: false,
        message: `ip: ${JSON.stringify(bad)} is not a dotted IPv4 address (such as 10.0.0.7)`,
      });
    expect(parseIpField('old_ip', 167772161)).toEqual({
      ok: false,
      message: 'old_ip: 167772161 is not a dotted IPv4 address (such as 10.0.0.7)',
    });
    expect(parseIpField('ip', undefined).ok).toBe(false);
    for (const bad of ['0', '70000', '65536', '-1', '8o', '1.5', '', 'x'.repeat(5000)])
      expect(parsePortField('port', bad)).toEqual({
        ok: false,
        message: `port: ${JSON.stringify(bad)} is not a port 1..65535`,
      });
    for (const bad of [0, 70000, 1.5, null, undefined, true])
      expect(parsePortField('port', bad).ok, String(bad)).toBe(false);
  });
});

describe('the replace textarea', () => {
  it('takes one ip:port a line, skipping blank lines and # comments', () => {
    expect(parseHostLines('hosts', '10.0.0.1:80\r\n\n  # the spare\n10.0.0.2:81 # new\n')).toEqual({
      ok: true,
      value: [
        { ip: A, port: 80 },
        { ip: B, port: 81 },
      ],
    });
    expect(parseHostLines('hosts', '')).toEqual({ ok: true, value: [] });
  });

  it('names the line that is wrong', () => {
    expect(parseHostLines('hosts', '10.0.0.1:80\n10.0.0.2')).toEqual({
      ok: false,
      message: 'hosts line 2: "10.0.0.2" is not ip:port',
    });
    expect(parseHostLines('hosts', '\n300.1.1.1:80')).toEqual({
      ok: false,
      message: 'hosts line 2: "300.1.1.1" is not a dotted IPv4 address (such as 10.0.0.7)',
    });
    expect(parseHostLines('hosts', '10.0.0.1:70000')).toEqual({
      ok: false,
      message: 'hosts line 1: "70000" is not a port 1..65535',
    });
    expect(parseHostLines('hosts', '10.0.0.1:80\n10.0.0.1:80')).toEqual({
      ok: false,
      message: 'hosts line 2: 10.0.0.1:80 is listed twice',
    });
  });

  it('refuses more hosts than one replace may hold', () => {
    const lines = Array.from({ length: MAX_REPLACE_HOSTS + 1 }, (_, i) => `10.1.${i >> 8}.${i & 255}:80`);
    expect(parseHostLines('hosts', lines.join('\n'))).toEqual({
      ok: false,
      message: `hosts: ${MAX_REPLACE_HOSTS + 1} hosts, at most ${MAX_REPLACE_HOSTS}`,
    });
    expect(parseHostLines('hosts', lines.slice(1).join('\n')).ok).toBe(true);
  });
});

describe('the route page forms', () => {
  it('add, del, disable and enable are one edit of the URL route', () => {
    for (const op of ['add', 'del', 'disable', 'enable'] as const)
      expect(editsFromForm(5, 1, { op, ip: '10.0.0.1', port: '80' })).toEqual({
        ok: true,
        value: [{ op, modid: 5, cmdid: 1, ip: A, port: 80 }],
      });
  });

  it('edit is a del of the old address and an add of the new one, in that order', () => {
    expect(editsFromForm(5, 1, { op: 'edit', old_ip: '10.0.0.1', old_port: '80', ip: '10.0.0.2', port: '81' })).toEqual(
      {
        ok: true,
        value: [
          { op: 'del', modid: 5, cmdid: 1, ip: A, port: 80 },
          { op: 'add', modid: 5, cmdid: 1, ip: B, port: 81 },
        ],
      },
    );
    expect(editsFromForm(5, 1, { op: 'edit', old_ip: '10.0.0.1', old_port: '80', ip: '10.0.0.1', port: '80' })).toEqual(
      { ok: false, message: 'ip, port: the new address is the host as it is' },
    );
    expect(editsFromForm(5, 1, { op: 'edit', old_ip: '10.0.0.1', ip: '10.0.0.2', port: '81' })).toEqual({
      ok: false,
      message: 'old_port: undefined is not a port 1..65535',
    });
  });

  it('del-route and replace', () => {
    expect(editsFromForm(5, 1, { op: 'del-route' })).toEqual({
      ok: true,
      value: [{ op: 'del-route', modid: 5, cmdid: 1 }],
    });
    expect(editsFromForm(5, 1, { op: 'replace', hosts: '10.0.0.2:81\n10.0.0.1:80' })).toEqual({
      ok: true,
      value: [
        {
          op: 'replace',
          modid: 5,
          cmdid: 1,
          hosts: [
            { ip: B, port: 81 },
            { ip: A, port: 80 },
          ],
        },
      ],
    });
    // An empty host set is a replace that deletes the route, as the store defines it.
    expect(editsFromForm(5, 1, { op: 'replace' })).toEqual({
      ok: true,
      value: [{ op: 'replace', modid: 5, cmdid: 1, hosts: [] }],
    });
  });

  it('refuses a bad field or op with its name', () => {
    expect(editsFromForm(5, 1, { op: 'add', ip: '300.1.1.1', port: '80' })).toEqual({
      ok: false,
      message: 'ip: "300.1.1.1" is not a dotted IPv4 address (such as 10.0.0.7)',
    });
    expect(editsFromForm(5, 1, { op: 'add', ip: '10.0.0.1', port: '70000' })).toEqual({
      ok: false,
      message: 'port: "70000" is not a port 1..65535',
    });
    expect(editsFromForm(5, 1, { op: 'grow', ip: '10.0.0.1', port: '80' })).toEqual({
      ok: false,
      message: 'op: "grow" is not add, edit, del, disable, enable, del-route or replace',
    });
  });
});

describe('the JSON edits', () => {
  it('become RouteEdits of the URL route and back to the same JSON', () => {
    const json = [
      { op: 'add', ip: '10.0.0.1', port: 80 },
      { op: 'disable', ip: '10.0.0.1', port: 80 },
      { op: 'replace', hosts: [{ ip: '10.0.0.2', port: 81 }] },
      { op: 'del-route' },
    ];
    const parsed = editsFromJson(7, 2, json);
    expect(parsed).toEqual({
      ok: true,
      value: [
        { op: 'add', modid: 7, cmdid: 2, ip: A, port: 80 },
        { op: 'disable', modid: 7, cmdid: 2, ip: A, port: 80 },
        { op: 'replace', modid: 7, cmdid: 2, hosts: [{ ip: B, port: 81 }] },
        { op: 'del-route', modid: 7, cmdid: 2 },
      ],
    });
    if (!parsed.ok) throw new Error(parsed.message);
    expect(editsToJson(parsed.value)).toEqual(json);
    // A modid or cmdid in an edit is not where the route comes from: the URL is.
    expect(editsFromJson(7, 2, [{ op: 'del-route', modid: 9, cmdid: 9 }])).toEqual({
      ok: true,
      value: [{ op: 'del-route', modid: 7, cmdid: 2 }],
    });
  });

  it('names the edit and field that is wrong', () => {
    expect(editsFromJson(5, 1, { op: 'add' })).toEqual({ ok: false, message: 'edits: must be a list' });
    expect(editsFromJson(5, 1, [null])).toEqual({ ok: false, message: 'edits[0]: must be an object' });
    expect(editsFromJson(5, 1, [{ op: 'del-route' }, { op: 'add', ip: '300.1.1.1', port: 80 }])).toEqual({
      ok: false,
      message: 'edits[1].ip: "300.1.1.1" is not a dotted IPv4 address (such as 10.0.0.7)',
    });
    expect(editsFromJson(5, 1, [{ op: 'del', ip: '10.0.0.1', port: 70000 }])).toEqual({
      ok: false,
      message: 'edits[0].port: 70000 is not a port 1..65535',
    });
    expect(editsFromJson(5, 1, [{ op: 'replace', hosts: [{ ip: '10.0.0.1', port: 80 }, { ip: '10.0.0.1' }] }])).toEqual(
      { ok: false, message: 'edits[0].hosts[1].port: undefined is not a port 1..65535' },
    );
    expect(editsFromJson(5, 1, [{ op: 'replace', hosts: '10.0.0.1:80' }])).toEqual({
      ok: false,
      message: 'edits[0].hosts: must be a list of {ip, port}',
    });
    expect(editsFromJson(5, 1, [{ op: 'edit', ip: '10.0.0.1', port: 80 }])).toEqual({
      ok: false,
      message: 'edits[0].op: "edit" is not add, del, disable, enable, del-route or replace',
    });
  });
});
