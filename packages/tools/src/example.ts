// example ModID CmdID: the whole SDK flow an application goes through,
// printing each step: regInit, getRoute, getHost, then a report of the call.
import { RetCode } from '@lars/client';
import { parseIdArg } from './cli-args.js';
import { agentAddress, describeNoHost, ExitCode, hostPort, retName, withClient, type Tool } from './tool-context.js';

export const exampleTool: Tool = {
  name: 'example',
  summary:
    'Runs the SDK flow on (ModID, CmdID) and prints each step: regInit (the agent pulls the route), getRoute (every host), getHost (one host) and a success report for that host.',
  args: {
    positionals: [
      { name: 'ModID', help: 'module id (integer 0..2147483647)' },
      { name: 'CmdID', help: 'command id (integer 0..2147483647)' },
    ],
    flags: [],
  },
  notes: ['exit status: 0 the flow got a host and reported it, 1 it did not, 2 bad arguments'],
  async run(args, io) {
    const modid = parseIdArg(args.positionals[0], 'ModID');
    const cmdid = parseIdArg(args.positionals[1], 'CmdID');
    const agent = agentAddress(args, io.env);
    const key = `${modid}/${cmdid}`;
    const out = (line: string): void => void io.stdout.write(`${line}\n`);
    return withClient(agent, async (client) => {
      const registered = await client.regInit(modid, cmdid);
      if (registered === RetCode.SYSTEM_ERROR) {
        out(`regInit ${key}: SYSTEM_ERROR (is the agent running on ${agent.host}:${agent.basePort}?)`);
        return ExitCode.FAILED;
      }
      out(`regInit ${key}: ${retName(registered)}`);

      const route = await client.getRoute(modid, cmdid);
      if (route.ret === RetCode.SUCC) {
        out(`getRoute ${key}: ${route.hosts.length} host${route.hosts.length === 1 ? '' : 's'}`);
        for (const host of route.hosts) out(`ip = ${host.ip}, port = ${host.port}`);
      } else {
        out(`getRoute ${key}: no route: ${describeNoHost(route, modid, cmdid, agent)}`);
      }

      const answer = await client.getHost(modid, cmdid);
      if (answer.ret !== RetCode.SUCC) {
        out(`getHost ${key}: no host: ${describeNoHost(answer, modid, cmdid, agent)}`);
        return ExitCode.FAILED;
      }
      out(`getHost ${key}: host is ${hostPort(answer.host)}`);

      client.report(modid, cmdid, answer.host, RetCode.SUCC);
      out(`report ${key}: report modid = ${modid}, cmdid = ${cmdid} | ${hostPort(answer.host)} SUCC`);
      return ExitCode.OK;
    });
  },
};
