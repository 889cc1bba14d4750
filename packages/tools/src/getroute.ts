// getroute ModID CmdID: every host of the route, as the original's get_route tool.
import { RetCode } from '@lars/client';
import { parseIdArg } from './cli-args.js';
import { agentAddress, describeNoHost, ExitCode, withClient, type Tool } from './tool-context.js';

export const getrouteTool: Tool = {
  name: 'getroute',
  summary: 'Asks the local agent for every host of (ModID, CmdID): one `ip = IP, port = PORT` line per host.',
  args: {
    positionals: [
      { name: 'ModID', help: 'module id (integer 0..2147483647)' },
      { name: 'CmdID', help: 'command id (integer 0..2147483647)' },
    ],
    flags: [],
  },
  notes: ['exit status: 0 at least one host, 1 none (NOEXIST or SYSTEM_ERROR), 2 bad arguments'],
  async run(args, io) {
    const modid = parseIdArg(args.positionals[0], 'ModID');
    const cmdid = parseIdArg(args.positionals[1], 'CmdID');
    const agent = agentAddress(args, io.env);
    const answer = await withClient(agent, (client) => client.getRoute(modid, cmdid));
    if (answer.ret === RetCode.SUCC) {
      for (const host of answer.hosts) io.stdout.write(`ip = ${host.ip}, port = ${host.port}\n`);
      return ExitCode.OK;
    }
    io.stdout.write(`no route: ${describeNoHost(answer, modid, cmdid, agent)}\n`);
    return ExitCode.FAILED;
  },
};
