#!/usr/bin/env bash
# Lars-TS entry point (the original's run_lars.sh, kept and extended).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")" && pwd)
cd "$ROOT"

usage() {
  cat <<'TXT'
usage: ./run_lars.sh COMMAND

  up        install dependencies, start the local MariaDB with the schema and
            the sample routes (run this first on a new machine)
  dns [CONF]          run the route DNS in the foreground (conf/lars_dns.conf)
  reporter [CONF]     run the reporter in the foreground (conf/lars_reporter.conf)
  lbagent [CONF]      run the LB agent in the foreground (conf/lars_lb_agent.conf)
  db        start (and on first use create) the local MariaDB for the daemons
            (port: LARS_MYSQL_DB_PORT, default 3306; data under var/mysql)
  db-stop   stop the local MariaDB
  help      this text

start|stop|status, route and test commands arrive with the next issue.
TXT
}

cmd=${1:-help}
[ $# -gt 0 ] && shift
case "$cmd" in
  up)
    bash scripts/ensure-deps.sh
    bash scripts/mysql-local.sh start
    ;;
  dns) exec node --import tsx packages/dns/src/main.ts "${1:-conf/lars_dns.conf}" ;;
  reporter) exec node --import tsx packages/reporter/src/main.ts "${1:-conf/lars_reporter.conf}" ;;
  lbagent) exec node --import tsx packages/agent/src/main.ts "${1:-conf/lars_lb_agent.conf}" ;;
  db) exec bash scripts/mysql-local.sh start "$@" ;;
  db-stop) exec bash scripts/mysql-local.sh stop "$@" ;;
  help|-h|--help) usage ;;
  *)
    echo "run_lars.sh: unknown command: $cmd" >&2
    usage >&2
    exit 2
    ;;
esac
