// V8 flags that keep the agent's heap small, set at run time because the
// agent runs on every machine of a fleet from whatever command line its
// unit, run_lars.sh or an operator gives it. Imported first by main.ts for
// its side effect: ES modules evaluate in import order, so this runs before
// pino, prom-client and protobufjs load, whose loading alone allocates
// enough for V8 to start growing the young generation.
//
// - --semi-space-growth-factor=1: the agent's garbage is short-lived (a
//   decoded request, a reply), yet a busy agent would grow the young
//   generation from 2 MiB to 32 MiB of RSS, a third of the process. V8 reads
//   the factor at each growth, so at run time it takes effect
//   (--max-semi-space-size would have to be on the command line).
//   Scavenges run more often and each stays as cheap: little survives one.
// - --optimize-for-size: a smaller old-generation growth step and the
//   memory reducer's shrinking; measured with bench/agent-get-host.ts on
//   2 cores, about 4 MiB less RSS idle and after load, at the same loops/s.
//   Neither flag is a limit: a large route table still gets the heap it
//   needs.
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--semi-space-growth-factor=1');
setFlagsFromString('--optimize-for-size');
