#!/usr/bin/env bash
# Lars-TS entry point (the original's run_lars.sh, kept and extended).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")" && pwd)
cd "$ROOT"

DAEMONS=(dns reporter lbagent web)
RUN_DIR="$ROOT/var/run"
LOG_DIR="$ROOT/var/log"
# What a daemon started by `start` writes to stdout/stderr outside its log (a
# crash trace): var/log/<daemon>.out, moved to .out.1 at start once past this.
OUT_MAX_BYTES=1048576
SOURCE_NODE=(node --conditions=lars-source --import tsx)

# dns -> "dns conf/lars_dns.conf": the package directory and the default config of each daemon.
package_of() {
  case "$1" in
    dns) echo "dns conf/lars_dns.conf" ;;
    reporter) echo "reporter conf/lars_reporter.conf" ;;
    lbagent) echo "agent conf/lars_lb_agent.conf" ;;
    web) echo "web conf/lars_web.conf" ;;
  esac
}

lars_version() { node -p 'require("./package.json").version'; }

from_source() { [ -n "${LARS_FROM_SOURCE:-}" ] && [ "$LARS_FROM_SOURCE" != 0 ]; }

# The build is what the daemons run (packages/<pkg>/dist/main.js). It is
# missing when a package has no dist/.tsbuildinfo, and stale when any file
# under a package's src/, its package.json or tsconfig.build.json, or a root
# tsconfig*.json is newer than that package's dist/.tsbuildinfo: tsc -b
# rewrites (or touches) it whenever one of its inputs changed, and pnpm build
# touches every one at its end (scripts/build-stamp.mjs), so a build that
# went through leaves nothing newer. One find per package: a few ms.
check_build() {
  local pkg info newer
  for pkg in packages/*/; do
    pkg=${pkg%/}
    info=$pkg/dist/.tsbuildinfo
    [ -f "$info" ] || build_problem "there is no build of $pkg ($info is missing)"
    newer=$(find "$pkg/src" "$pkg/package.json" "$pkg/tsconfig.build.json" \
      tsconfig.base.json tsconfig.build-base.json tsconfig.build.json -newer "$info" -print -quit)
    [ -z "$newer" ] || build_problem "the build is stale: $newer is newer than $info"
  done
}

build_problem() {
  {
    echo "run_lars.sh: $1"
    echo "  fix: pnpm build"
    echo "  (or run the daemons from the TypeScript sources: LARS_FROM_SOURCE=1 ./run_lars.sh $cmd)"
  } >&2
  exit 1
}

# Sets DAEMON_CMD to the command that runs daemon $1 (without its config file):
# the build, or with LARS_FROM_SOURCE=1 the sources through tsx.
daemon_cmd() {
  local pkg
  pkg=$(package_of "$1")
  pkg=${pkg%% *}
  if from_source; then
    DAEMON_CMD=("${SOURCE_NODE[@]}" "packages/$pkg/src/main.ts")
  else
    DAEMON_CMD=(node "packages/$pkg/dist/main.js")
  fi
}

default_conf_of() {
  local p
  p=$(package_of "$1")
  echo "${p#* }"
}

# Whether pid $2 is daemon $1 as daemon_cmd launches it: node running
# packages/<pkg>/dist/main.js or packages/<pkg>/src/main.ts (either, so stop
# works whichever way start ran), read from /proc/<pid>/cmdline. A pid file
# can outlive its daemon and the pid be reused by anything (scripts/lars-status.ts
# applies the same rule for status).
is_daemon_pid() {
  local pkg argv
  pkg=$(package_of "$1")
  pkg=${pkg%% *}
  [ -r "/proc/$2/cmdline" ] || return 1
  argv=$(tr '\0' '\n' <"/proc/$2/cmdline" 2>/dev/null) || return 1
  [[ "$(basename "$(head -n1 <<<"$argv")")" == node* ]] || return 1
  grep -qxE "(.*/)?packages/$pkg/(dist/main\.js|src/main\.ts)" <<<"$argv"
}

# The command line of pid $1, spaces between the arguments, for messages.
cmdline_of() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | sed 's/ $//'; }

# Sets PID to the pid daemon $1's pid file holds when that process runs and is
# the daemon; else removes the file (saying so when another process holds the
# pid) and returns 1.
running_pid() {
  local file="$RUN_DIR/$1.pid"
  PID=
  [ -f "$file" ] || return 1
  PID=$(tr -d '[:space:]' <"$file")
  if ! [[ "$PID" =~ ^[1-9][0-9]*$ ]] || ! kill -0 "$PID" 2>/dev/null; then
    PID=
    return 1
  fi
  if ! is_daemon_pid "$1" "$PID"; then
    echo "$1: pid file var/run/$1.pid held $PID, which is not $1 ($(cmdline_of "$PID")); removed" >&2
    rm -f "$file"
    PID=
    return 1
  fi
}

# Starts the daemons that are not running yet, in the background, each with a
# pid file under var/run and a log under var/log, then waits until they answer.
# The daemon writes its log itself (LARS_LOG_FILE: var/log/<daemon>.log,
# rotated to .log.1 .. .log.$LARS_LOG_KEEP at $LARS_LOG_MAX_BYTES); stdout and
# stderr (what is not a log line, such as a crash trace) go to .out.
start_all() {
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  local d pid out checked=0
  for d in "${DAEMONS[@]}"; do
    if running_pid "$d"; then
      echo "$d already running (pid $PID)"
      continue
    fi
    # Before the first daemon that is to start, so a stale build starts none of them.
    if [ "$checked" = 0 ]; then
      from_source || check_build
      checked=1
    fi
    out="$LOG_DIR/$d.out"
    if [ -f "$out" ] && [ "$(stat -c %s "$out")" -gt "$OUT_MAX_BYTES" ]; then mv -f "$out" "$out.1"; fi
    daemon_cmd "$d"
    LARS_LOG_FILE="$LOG_DIR/$d.log" nohup "${DAEMON_CMD[@]}" "$(default_conf_of "$d")" >>"$out" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$RUN_DIR/$d.pid"
    echo "started $d (pid $pid, ${DAEMON_CMD[*]}, log var/log/$d.log)"
  done
  "${SOURCE_NODE[@]}" scripts/lars-status.ts --wait
  "${SOURCE_NODE[@]}" scripts/lars-status.ts
}

# Stops only what start started (the pid files, when the pid is still that
# daemon: running_pid), SIGTERM first, SIGKILL after 20 s.
stop_all() {
  local d pid i
  for d in web lbagent reporter dns; do
    [ -f "$RUN_DIR/$d.pid" ] || continue
    if running_pid "$d"; then
      pid=$PID
      kill -TERM "$pid"
      for i in $(seq 1 200); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      if kill -0 "$pid" 2>/dev/null; then
        echo "$d (pid $pid) did not stop within 20 s: killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
      fi
      echo "stopped $d (pid $pid)"
    fi
    rm -f "$RUN_DIR/$d.pid"
  done
}

# The one usage text. A command's own usage (COMMAND --help, or a bad
# argument) is its lines from here: those whose first word is the command,
# with the more deeply indented lines that continue them.
usage() {
  cat <<'TXT'
usage: ./run_lars.sh COMMAND [ARGS]   (./run_lars.sh COMMAND --help: that command only)

  up        install dependencies, build (pnpm build), start the local MariaDB
            with the schema and the sample routes, and start the daemons and
            the web console (run this first)
  start     start dns, reporter, lbagent and web in the background from the build
            (pid files under var/run, logs under var/log) and wait until they
            answer
  stop      stop what start started
  status    what runs, on which ports, and whether each daemon is alive and
            ready (GET /healthz, /readyz); exit 1 if one does not answer, 3 if one
            is not running
  dns [CONF]          run the route DNS in the foreground (conf/lars_dns.conf)
  reporter [CONF]     run the reporter in the foreground (conf/lars_reporter.conf)
  lbagent [CONF]      run the LB agent in the foreground (conf/lars_lb_agent.conf)
  web [CONF]          run the web console in the foreground (conf/lars_web.conf;
            http://127.0.0.1:7780/)
  web-user add NAME ROLE | passwd NAME | del NAME | list
            the console's users (ROLE: viewer, editor, admin; the password is
            read from stdin, never an argument; [mysql] of conf/lars_web.conf)
  db        start (and on first use create) the local MariaDB for the daemons
            and apply the schema migrations (port: LARS_MYSQL_DB_PORT, default
            3306; data under var/mysql)
  db migrate [--conf FILE]  apply the schema migrations to a database this
            script does not manage ([mysql] of FILE, $LARS_CONF or
            conf/lars_dns.conf; admin login LARS_MYSQL_ADMIN_USER/_PASSWD)
  db-stop   stop the local MariaDB
  cluster start|stop|status|kill N|restart N
            a local three-node MariaDB Galera cluster (N = 1..3) with the same
            users and schema as db: start bootstraps or rejoins the nodes and
            waits until all three are Synced; kill N is kill -9; restart N
            waits until node N is Synced again (client ports from
            LARS_GALERA_BASE_PORT, default 3311..3313; data under var/galera)
  help      this text

  route list [ModID [CmdID]]          route administration: list, add a host,
  route add ModID CmdID IP Port       delete a host or a whole route (one
  route del ModID CmdID [IP Port]     transaction the DNS pushes to agents)
  route disable|enable ModID CmdID IP Port
                                      drain a host / serve it again
  route history [ModID [CmdID]]       who changed what, newest first
  test gethost ModID CmdID            one host of the route
  test getroute ModID CmdID           every host of the route
  test report ModID CmdID IP Port 0|1 report a call result (0 success, 1 failure)
  test simulator ModID CmdID [errRate(0-10)] [queryCnt(0-999999)] [--interval-ms N]
  test qps ThreadNum [--duration S] [--inflight K] [--json]
  test example ModID CmdID            regInit, getRoute, getHost, report
      (every test tool and route take --help, the test tools --host and
      --base-port for the agent)

Every command takes --help and --version. start, dns, reporter, lbagent and web run
the build (node packages/<pkg>/dist/main.js; pnpm build makes it, and they
refuse a missing or stale one); LARS_FROM_SOURCE=1 runs the TypeScript sources
through tsx instead. route, test and web-user run from the sources. Logs of start:
var/log/<daemon>.log, rotated at LARS_LOG_MAX_BYTES (default 10485760) into
.log.1 .. .log.N (N = LARS_LOG_KEEP, default 5); crash output in <daemon>.out.
TXT
}

command_usage() {
  usage | awk -v cmd="$1" '
    /^  [^ ]/ { mine = ($1 == cmd) }
    /^[^ ]/ || /^$/ { mine = 0 }
    mine && /^  [^ ]/ { print (n++ == 0 ? "usage: " : "       ") "./run_lars.sh " substr($0, 3); next }
    mine { print "                   " $0 }
  '
}

usage_error() {
  echo "run_lars.sh $cmd: $1" >&2
  command_usage "$cmd" >&2
  exit 2
}

# check_args MAX "$@": --help/-h prints the command's usage, --version the
# version, and either exits 0 doing nothing else; an unknown option or more
# than MAX arguments exits 2 with the command's usage.
check_args() {
  local max=$1 n=0 a
  shift
  for a in "$@"; do
    case "$a" in
      -h | --help) command_usage "$cmd"; exit 0 ;;
      --version) echo "lars-ts $(lars_version)"; exit 0 ;;
    esac
  done
  for a in "$@"; do
    case "$a" in
      -?*) usage_error "unknown option $a" ;;
      *)
        n=$((n + 1))
        [ "$n" -le "$max" ] || usage_error "unexpected argument \"$a\" ($max at most)"
        ;;
    esac
  done
}

cmd=${1:-help}
[ $# -gt 0 ] && shift
# A known command with --version first, or --help first (route and test pass
# --help on: their tools print their own usage), answers at once.
if [ -n "$(command_usage "$cmd")" ]; then
  case "$cmd:${1:-}" in
    *:--version) echo "lars-ts $(lars_version)"; exit 0 ;;
    route:* | test:* | web-user:*) ;;
    *:--help | *:-h) command_usage "$cmd"; exit 0 ;;
  esac
fi
case "$cmd" in
  up)
    check_args 0 "$@"
    bash scripts/ensure-deps.sh
    echo "==> build (pnpm build)"
    pnpm build
    bash scripts/mysql-local.sh start
    start_all
    ;;
  dns | reporter | lbagent | web)
    check_args 1 "$@"
    from_source || check_build
    daemon_cmd "$cmd"
    exec "${DAEMON_CMD[@]}" "${1:-$(default_conf_of "$cmd")}"
    ;;
  route) exec "${SOURCE_NODE[@]}" packages/tools/src/route-cli.ts "$@" ;;
  web-user) exec "${SOURCE_NODE[@]}" packages/web/src/web-user-cli.ts "$@" ;;
  test) exec "${SOURCE_NODE[@]}" packages/tools/src/cli.ts "$@" ;;
  start) check_args 0 "$@"; start_all ;;
  stop) check_args 0 "$@"; stop_all ;;
  status)
    check_args 0 "$@"
    "${SOURCE_NODE[@]}" scripts/lars-status.ts || rc=$?
    bash scripts/mysql-local.sh status || true
    exit "${rc:-0}"
    ;;
  db)
    # `db migrate [--conf FILE] ...`: the schema migrations, for a database this script does not manage.
    if [ "${1:-}" = migrate ]; then shift; exec "${SOURCE_NODE[@]}" packages/store/src/migrate-cli.ts "$@"; fi
    check_args 0 "$@"
    exec bash scripts/mysql-local.sh start
    ;;
  db-stop) check_args 0 "$@"; exec bash scripts/mysql-local.sh stop "$@" ;;
  cluster)
    check_args 2 "$@"
    [ $# -ge 1 ] || usage_error "missing start, stop, status, kill N or restart N"
    exec bash scripts/galera-cluster.sh "$@"
    ;;
  help | -h | --help) check_args 0 "$@"; usage ;;
  --version) echo "lars-ts $(lars_version)" ;;
  *)
    echo "run_lars.sh: unknown command: $cmd" >&2
    usage >&2
    exit 2
    ;;
esac
