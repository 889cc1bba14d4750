// report ModID CmdID IP Port 0|1: one call result sent to the agent, as the
// original's report tool. 1 is reported as OVERLOAD, the retcode the
// original's callers report for a failed call.
import { RetCode } from '@lars/client';
import { parseIdArg, parseIpArg, parsePortArg, UsageError } from './cli-args.js';
import { agentAddress, ExitCode, retName, withClient, type Tool } from './tool-context.js';

export const reportTool: Tool = {
  name: 'report',
  summary:
    'Reports one call result of (ModID, CmdID) on host IP:Port to the local agent (fire and forget: the agent does not answer).',
  args: {
    positionals: [
      { name: 'ModID', help: 'module id (integer 0..2147483647)' },
      { name: 'CmdID', help: 'command id (integer 0..2147483647)' },
      { name: 'IP', help: 'the host called (IPv4 dotted quad)' },
      { name: 'Port', help: 'its port (1..65535)' },
      { name: 'Result', help: '0 = the call succeeded (SUCC), 1 = it failed (OVERLOAD)' },
    ],
    flags: [],
  },
  notes: ['prints: report modid = M, cmdid = C | IP:PORT SUCC|OVERLOAD', 'exit status: 0 sent, 2 bad arguments'],
  async run(args, io) {
    const [rawModid, rawCmdid, rawIp, rawPort, rawResult] = args.positionals;
    const modid = parseIdArg(rawModid, 'ModID');
    const cmdid = parseIdArg(rawCmdid, 'CmdID');
    const ip = parseIpArg(rawIp, 'IP');
    const port = parsePortArg(rawPort, 'Port');
    if (rawResult !== '0' && rawResult !== '1') {
      throw new UsageError(`Result must be 0 (success) or 1 (failure), got ${JSON.stringify(rawResult)}`);
    }
    const retcode = rawResult === '0' ? RetCode.SUCC : RetCode.OVERLOAD;
    const agent = agentAddress(args, io.env);
    await withClient(agent, async (client) => client.report(modid, cmdid, { ip, port }, retcode));
    io.stdout.write(`report modid = ${modid}, cmdid = ${cmdid} | ${ip}:${port} ${retName(retcode)}\n`);
    return ExitCode.OK;
  },
};
