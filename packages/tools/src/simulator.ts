// simulator ModID CmdID [errRate] [queryCnt]: a caller whose calls partly
// fail, to watch the agent's load balancing react. Every call takes a host,
// "calls" it and reports the result. Call i (from 0) fails when
// i % 10 < errRate rather than at random with that probability (the
// original drew rand() % 10): the same proportion, but deterministic, so one
// run can be compared with the next and a test can check the counts.
import { setTimeout as sleep } from 'node:timers/promises';
import { RetCode, type HostAddress } from '@lars/client';
import { flagValue, parseIdArg, parseIntArg } from './cli-args.js';
import { agentAddress, describeNoHost, ExitCode, hostPort, retName, withClient, type Tool } from './tool-context.js';

const DEFAULTS = {
  /** 2 of every 10 calls fail: the original simulator's default as we know it (the spec leaves it open). */
  errRate: 2,
  queryCnt: 100,
  /** The original's usleep(6000) between calls. */
  intervalMs: 6,
} as const;
const MAX_QUERY_CNT = 999_999;
const MAX_INTERVAL_MS = 60_000;
/** A terminal's progress line is redrawn at most this often. */
const PROGRESS_MS = 100;

interface HostTally {
  readonly host: HostAddress;
  success: number;
  error: number;
}

export const simulatorTool: Tool = {
  name: 'simulator',
  summary:
    'Makes queryCnt calls on (ModID, CmdID): each takes a host from the agent and reports the call as a success or, for errRate of every 10 calls (call i fails when i % 10 < errRate), as a failure. Prints the host and SUCCESS / ERROR per call (a one-line progress display on a terminal), then one line per host: `ip : IP:PORT: success: N; error: M`.',
  args: {
    positionals: [
      { name: 'ModID', help: 'module id (integer 0..2147483647)' },
      { name: 'CmdID', help: 'command id (integer 0..2147483647)' },
      { name: 'errRate', help: `failed calls per 10, 0..10 (default ${DEFAULTS.errRate})`, optional: true },
      { name: 'queryCnt', help: `number of calls, 0..${MAX_QUERY_CNT} (default ${DEFAULTS.queryCnt})`, optional: true },
    ],
    flags: [{ name: 'interval-ms', value: 'N', help: `pause between calls, ms (default ${DEFAULTS.intervalMs})` }],
  },
  notes: [
    'exit status: 0 done (OVERLOAD answers are an expected outcome), 1 some call got NOEXIST or SYSTEM_ERROR, 2 bad arguments',
  ],
  stopsOnSignal: true,
  async run(args, io) {
    const [rawModid, rawCmdid, rawErrRate, rawQueryCnt] = args.positionals;
    const modid = parseIdArg(rawModid, 'ModID');
    const cmdid = parseIdArg(rawCmdid, 'CmdID');
    const errRate = rawErrRate === undefined ? DEFAULTS.errRate : parseIntArg(rawErrRate, 'errRate', 0, 10);
    const queryCnt =
      rawQueryCnt === undefined ? DEFAULTS.queryCnt : parseIntArg(rawQueryCnt, 'queryCnt', 0, MAX_QUERY_CNT);
    const rawInterval = flagValue(args, 'interval-ms');
    const intervalMs =
      rawInterval === undefined ? DEFAULTS.intervalMs : parseIntArg(rawInterval, '--interval-ms', 0, MAX_INTERVAL_MS);
    const agent = agentAddress(args, io.env);
    const progress = io.stdout.isTTY === true;

    const tallies = new Map<string, HostTally>();
    const noHost = [0, 0, 0, 0];
    let done = 0;
    let drawnAt = -Infinity;
    const draw = (): void => {
      let success = 0;
      let error = 0;
      for (const t of tallies.values()) {
        success += t.success;
        error += t.error;
      }
      const noHosts = noHost.reduce((a, b) => a + b, 0);
      io.stdout.write(`\r\x1b[Kcalls ${done}/${queryCnt}: success ${success}, error ${error}, no host ${noHosts}`);
      drawnAt = performance.now();
    };

    const stopped = (): boolean => io.signal?.aborted === true;
    await withClient(agent, async (client) => {
      for (let i = 0; i < queryCnt && !stopped(); i++) {
        if (i > 0 && intervalMs > 0) await sleep(intervalMs, undefined, { signal: io.signal }).catch(() => undefined);
        if (stopped()) break;
        const answer = await client.getHost(modid, cmdid);
        done++;
        let line: string;
        if (answer.ret === RetCode.SUCC) {
          const key = hostPort(answer.host);
          let tally = tallies.get(key);
          if (tally === undefined) {
            tally = { host: answer.host, success: 0, error: 0 };
            tallies.set(key, tally);
          }
          const failed = i % 10 < errRate;
          client.report(modid, cmdid, answer.host, failed ? RetCode.OVERLOAD : RetCode.SUCC);
          if (failed) tally.error++;
          else tally.success++;
          line = `call ${i + 1}: host ${key} ${failed ? 'ERROR' : 'SUCCESS'}`;
        } else {
          noHost[answer.ret]++;
          line = `call ${i + 1}: no host: ${describeNoHost(answer, modid, cmdid, agent)}`;
        }
        if (!progress) io.stdout.write(`${line}\n`);
        else if (performance.now() - drawnAt >= PROGRESS_MS) draw();
      }
    });

    if (progress) {
      draw();
      io.stdout.write('\n');
    }
    for (const t of tallies.values()) {
      io.stdout.write(`ip : ${hostPort(t.host)}: success: ${t.success}; error: ${t.error}\n`);
    }
    const missed = [RetCode.OVERLOAD, RetCode.NOEXIST, RetCode.SYSTEM_ERROR].filter((r) => noHost[r] > 0);
    if (missed.length > 0) io.stdout.write(`no host: ${missed.map((r) => `${retName(r)}: ${noHost[r]}`).join('; ')}\n`);
    return noHost[RetCode.NOEXIST] + noHost[RetCode.SYSTEM_ERROR] > 0 ? ExitCode.FAILED : ExitCode.OK;
  },
};
