#!/usr/bin/env bash
# Lars-TS entry point (the original's run_lars.sh, kept and extended).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")" && pwd)
cd "$ROOT"

DAEMONS=(dns reporter lbagent)
RUN_DIR="$ROOT/var/run"
LOG_DIR="$ROOT/var/log"

entry_of() {
  case "$1" in
    dns) echo "packages/dns/src/main.ts conf/lars_dns.conf" ;;
    reporter) echo "packages/reporter/src/main.ts conf/lars_reporter.conf" ;;
    lbagent) echo "packages/agent/src/main.ts conf/lars_lb_agent.conf" ;;
  esac
}

# Starts the daemons that are not running yet, in the background, each with a
# pid file under var/run and a log under var/log, then waits until they answer.
start_all() {
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  local d pid
  for d in "${DAEMONS[@]}"; do
    if [ -f "$RUN_DIR/$d.pid" ] && kill -0 "$(cat "$RUN_DIR/$d.pid")" 2>/dev/null; then
      echo "$d already running (pid $(cat "$RUN_DIR/$d.pid"))"
      continue
    fi
    # shellcheck disable=SC2046
    nohup node --conditions=lars-source --import tsx $(entry_of "$d") >>"$LOG_DIR/$d.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$RUN_DIR/$d.pid"
    echo "started $d (pid $pid, log var/log/$d.log)"
  done
  node --conditions=lars-source --import tsx scripts/lars-status.ts --wait
  node --conditions=lars-source --import tsx scripts/lars-status.ts
}

# Stops only what start started (the pid files), SIGTERM first, SIGKILL after 20 s.
stop_all() {
  local d pid i
  for d in lbagent reporter dns; do
    [ -f "$RUN_DIR/$d.pid" ] || continue
    pid=$(cat "$RUN_DIR/$d.pid")
    if kill -0 "$pid" 2>/dev/null; then
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

usage() {
  cat <<'TXT'
usage: ./run_lars.sh COMMAND

  up        install dependencies, start the local MariaDB with the schema and
            the sample routes, and start the three daemons (run this first)
  start     start dns, reporter and lbagent in the background (pid files
            under var/run, logs under var/log) and wait until they answer
  stop      stop what start started
  status    what runs, on which ports
  dns [CONF]          run the route DNS in the foreground (conf/lars_dns.conf)
  reporter [CONF]     run the reporter in the foreground (conf/lars_reporter.conf)
  lbagent [CONF]      run the LB agent in the foreground (conf/lars_lb_agent.conf)
  db        start (and on first use create) the local MariaDB for the daemons
            (port: LARS_MYSQL_DB_PORT, default 3306; data under var/mysql)
  db-stop   stop the local MariaDB
  help      this text

  route list [ModID [CmdID]]          route administration: list, add a host,
  route add ModID CmdID IP Port       delete a host or a whole route (one
  route del ModID CmdID [IP Port]     transaction the DNS pushes to agents)
  test gethost ModID CmdID            one host of the route
  test getroute ModID CmdID           every host of the route
  test report ModID CmdID IP Port 0|1 report a call result (0 success, 1 failure)
  test simulator ModID CmdID [errRate(0-10)] [queryCnt(0-999999)] [--interval-ms N]
  test qps ThreadNum [--duration S] [--inflight K] [--json]
  test example ModID CmdID            regInit, getRoute, getHost, report
  (every test tool takes --help, and --host / --base-port for the agent)
TXT
}

cmd=${1:-help}
[ $# -gt 0 ] && shift
case "$cmd" in
  up)
    bash scripts/ensure-deps.sh
    bash scripts/mysql-local.sh start
    start_all
    ;;
  dns) exec node --conditions=lars-source --import tsx packages/dns/src/main.ts "${1:-conf/lars_dns.conf}" ;;
  reporter) exec node --conditions=lars-source --import tsx packages/reporter/src/main.ts "${1:-conf/lars_reporter.conf}" ;;
  lbagent) exec node --conditions=lars-source --import tsx packages/agent/src/main.ts "${1:-conf/lars_lb_agent.conf}" ;;
  route) exec node --conditions=lars-source --import tsx packages/tools/src/route-cli.ts "$@" ;;
  test) exec node --conditions=lars-source --import tsx packages/tools/src/cli.ts "$@" ;;
  start) start_all ;;
  stop) stop_all ;;
  status)
    node --conditions=lars-source --import tsx scripts/lars-status.ts || rc=$?
    bash scripts/mysql-local.sh status || true
    exit "${rc:-0}"
    ;;
  db) exec bash scripts/mysql-local.sh start "$@" ;;
  db-stop) exec bash scripts/mysql-local.sh stop "$@" ;;
  help|-h|--help) usage ;;
  *)
    echo "run_lars.sh: unknown command: $cmd" >&2
    usage >&2
    exit 2
    ;;
esac
