// gethost ModID CmdID: one host of the route, as the original's get_host tool.
import { RetCode } from '@lars/client';
import { parseIdArg } from './cli-args.js';
import { agentAddress, describeNoHost, ExitCode, hostPort, withClient, type Tool } from './tool-context.js';

export const gethostTool: Tool = {
  name: 'gethost',
  summary:
    'Asks the local agent for one host of (ModID, CmdID) and prints it: `host is IP:PORT`, or why there is none.',
  args: {
    positionals: [
      { name: 'ModID', help: 'module id (integer 0..2147483647)' },
      { name: 'CmdID', help: 'command id (integer 0..2147483647)' },
    ],
    flags: [],
  },
  notes: ['exit status: 0 a host was found, 1 no host (OVERLOAD, NOEXIST, SYSTEM_ERROR), 2 bad arguments'],
  async run(args, io) {
    const modid = parseIdArg(args.positionals[0], 'ModID');
    const cmdid = parseIdArg(args.positionals[1], 'CmdID');
    const agent = agentAddress(args, io.env);
    const answer = await withClient(agent, (client) => client.getHost(modid, cmdid));
    if (answer.ret === RetCode.SUCC) {
      io.stdout.write(`host is ${hostPort(answer.host)}\n`);
      return ExitCode.OK;
    }
    io.stdout.write(`no host: ${describeNoHost(answer, modid, cmdid, agent)}\n`);
    return ExitCode.FAILED;
  },
};
