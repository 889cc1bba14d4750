#!/usr/bin/env bash
# Manages local MariaDB servers for Lars development and tests.
#
#   mysql-local.sh start                      start the shared dev server (idempotent)
#   mysql-local.sh stop                       stop the shared dev server
#   mysql-local.sh status                     exit 0 if the shared server is up, 3 if not
#   mysql-local.sh start-throwaway PORT DIR   start a throwaway server (tests that stop MySQL)
#   mysql-local.sh stop-throwaway DIR         stop that throwaway server
#
# Environment:
#   LARS_MYSQL_DB_PORT        shared server port ([mysql] db_port), default 3306
#   LARS_MYSQL_DATA_DIR       shared server data dir, default <repo>/var/mysql/data
#   LARS_MYSQL_ADMIN_PASSWD   password of lars_admin, default lars_admin
#   LARS_MYSQL_DB_PASSWD      password of lars (the daemons' user), default lars
#   LARS_MYSQL_START_TIMEOUT  seconds to wait for a server to answer, default 60
#
# A server with data dir D keeps its runtime files next to it: D.sock, D.pid,
# D.err (log), D.lock. Every server binds 127.0.0.1 only and runs detached
# (no systemd). Exit codes: 0 ok, 1 failure, 2 usage, 3 not running (status),
# 4 port taken by another process.
set -euo pipefail

readonly LOG_PREFIX="mysql-local"
# shellcheck source=mysql-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/mysql-common.sh"

readonly EXIT_NOT_RUNNING=3
readonly EXIT_PORT_TAKEN=4

MARIADBD=""
PORT_SETTING="LARS_MYSQL_DB_PORT (the [mysql] db_port setting)"
DATA_DIR="" SOCK="" PID_FILE="" LOG_FILE="" LOCK_FILE=""

usage() {
  cat >&2 <<'EOF'
usage: mysql-local.sh start | stop | status
       mysql-local.sh start-throwaway PORT DATADIR
       mysql-local.sh stop-throwaway DATADIR
EOF
  exit 2
}

# Sets the per-server paths from a data dir (made absolute, no trailing slash).
set_paths() {
  DATA_DIR="$(realpath -m -- "$1")"
  SOCK="$DATA_DIR.sock"
  PID_FILE="$DATA_DIR.pid"
  LOG_FILE="$DATA_DIR.err"
  LOCK_FILE="$DATA_DIR.lock"
  # Unix socket paths are limited to 107 bytes (sun_path).
  (( ${#SOCK} < 100 )) || die "socket path too long (${#SOCK} chars): $SOCK; use a shorter data dir"
}

check_port_arg() {
  [[ "$1" =~ ^[0-9]+$ ]] && (( $1 >= 1 && $1 <= 65535 )) || die "invalid port '$1' (want 1..65535)"
}

ensure_mariadb_installed() {
  if mariadb_present; then
    MARIADBD="$(find_bin mariadbd)"
    return 0
  fi
  if (( EUID != 0 )); then
    die "MariaDB is not installed. Install it as root, e.g.:
  sudo apt-get install -y --no-install-recommends mariadb-server mariadb-client
(needed: mariadbd, mariadb-install-db, mariadb, mariadb-admin), then run this again."
  fi
  command -v apt-get >/dev/null 2>&1 \
    || die "MariaDB is not installed and apt-get is unavailable; install mariadb-server and mariadb-client"
  info "installing mariadb-server and mariadb-client with apt-get"
  apt_install mariadb-server mariadb-client
  MARIADBD="$(find_bin mariadbd)" || die "mariadbd still not found after installing MariaDB"
}

# Client as the OS user over our socket (socket authentication, no password).
sql_client() { mariadb --no-defaults --socket="$SOCK" --user="$OS_USER" "$@"; }

server_pid() { pid_from_file "$PID_FILE"; }

# True when the server of DATA_DIR runs and answers on its socket.
server_up() {
  server_pid >/dev/null && [[ -S "$SOCK" ]] \
    && mariadb-admin --no-defaults --socket="$SOCK" --user="$OS_USER" --connect-timeout=5 ping >/dev/null 2>&1
}

server_port() { sql_client --batch --skip-column-names -e 'SELECT @@port'; }

port_taken_error() {
  echo "mysql-local: error: port $1 on 127.0.0.1 is already in use by another process (not the Lars MySQL server of $DATA_DIR)." >&2
  echo "  Stop that process, or choose another port with $PORT_SETTING." >&2
  exit "$EXIT_PORT_TAKEN"
}

log_tail() { tail_log "$LOG_FILE"; }

# Serialises start/stop of one data dir.
take_lock() { take_lock_file "$LOCK_FILE"; }

remove_stale_runtime_files() {
  rm -f "$PID_FILE" "$SOCK" "$SOCK.lock"
}

# Creates the system tables on first use. Initialises into a scratch dir and
# renames it, so an interrupted run never leaves a half-made data dir behind.
init_data_dir() {
  [[ -d "$DATA_DIR/mysql" ]] && return 0
  if [[ -d "$DATA_DIR" ]]; then
    rmdir -- "$DATA_DIR" 2>/dev/null \
      || die "$DATA_DIR exists, is not empty and is not a MariaDB data dir; remove it or choose another"
  fi
  local tmp="$DATA_DIR.init" user_opts=()
  if (( EUID == 0 )); then user_opts=(--user=root); else user_opts=(--auth-root-socket-user="$OS_USER"); fi
  info "initialising data dir $DATA_DIR"
  install_db "$tmp" "$LOG_FILE.init" "${user_opts[@]}"
  mv -- "$tmp" "$DATA_DIR"
}

launch_server() {
  local port="$1" user_opts=()
  (( EUID == 0 )) && user_opts=(--user=root)
  # --no-defaults keeps /etc/mysql settings (other ports, log paths) out.
  setsid "$MARIADBD" --no-defaults "${user_opts[@]}" \
    --datadir="$DATA_DIR" --port="$port" --bind-address=127.0.0.1 \
    --socket="$SOCK" --pid-file="$PID_FILE" --log-error="$LOG_FILE" \
    --skip-name-resolve --max-connections=500 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
    </dev/null >>"$LOG_FILE" 2>&1 9>&- &
  echo $!
}

# $3: size of the (appended-to) log before this launch; only newer lines count.
wait_until_up() {
  local port="$1" launched_pid="$2" log_offset="$3" deadline=$((SECONDS + START_TIMEOUT))
  while (( SECONDS < deadline )); do
    if ! alive "$launched_pid"; then
      if tail -c "+$((log_offset + 1))" "$LOG_FILE" 2>/dev/null \
          | grep -q -e 'Address already in use' -e 'Do you already have another'; then
        log_tail
        port_taken_error "$port"
      fi
      log_tail
      die "mariadbd exited during startup (port $port, data dir $DATA_DIR)"
    fi
    server_up && return 0
    sleep 0.2
  done
  log_tail
  die "mariadbd did not answer within ${START_TIMEOUT}s (port $port, data dir $DATA_DIR; LARS_MYSQL_START_TIMEOUT changes the wait)"
}

# True when lars_dns records the newest migration file's version: a restart
# then skips starting Node for the runner (which would find nothing to do).
schema_current() {
  local files newest applied
  files=("$ROOT"/packages/store/migrations/[0-9][0-9][0-9][0-9]-*.sql)
  newest="${files[-1]##*/}"
  applied="$(sql_client --batch --skip-column-names "$DB_NAME" \
    -e 'SELECT COALESCE(MAX(version), 0) FROM SchemaVersion' 2>/dev/null)" || return 1
  [[ "$applied" == "$((10#${newest%%-*}))" ]]
}

# Applies the schema migrations unless lars_dns is current.
migrate_schema() {
  schema_current && return 0
  run_migrations "$1"
}

# Creates lars_dns and the users, applies the schema migrations, loads sample
# routes into an empty RouteData. Safe to run on every start.
provision() {
  create_database_and_users sql_client
  migrate_schema "$1"
  load_sample_routes sql_client
}

# Starts (if needed) and provisions the server of data dir $2 on port $1.
start_server() {
  local port="$1" running_port launched_pid log_offset
  set_paths "$2"
  check_port_arg "$port"
  ensure_mariadb_installed
  take_lock
  if server_up; then
    running_port="$(server_port)"
    if [[ "$running_port" != "$port" ]]; then
      die "the server of $DATA_DIR already runs on port $running_port, not $port; stop it first"
    fi
    info "already running on 127.0.0.1:$port (data dir $DATA_DIR)"
    # A checkout that gained migrations since the server started: apply them (a no-op when current).
    migrate_schema "$port"
    return 0
  fi
  if server_pid >/dev/null; then
    die "mariadbd (pid $(<"$PID_FILE")) of $DATA_DIR runs but does not answer on $SOCK; see $LOG_FILE"
  fi
  port_taken "$port" && port_taken_error "$port"
  remove_stale_runtime_files
  init_data_dir
  log_offset="$(stat -c %s "$LOG_FILE" 2>/dev/null || echo 0)"
  launched_pid="$(launch_server "$port")"
  wait_until_up "$port" "$launched_pid" "$log_offset"
  provision "$port"
  info "running on 127.0.0.1:$port (data dir $DATA_DIR, log $LOG_FILE)"
}

stop_server() {
  local pid
  set_paths "$1"
  take_lock
  if ! pid="$(server_pid)"; then
    remove_stale_runtime_files
    info "not running (data dir $DATA_DIR)"
    return 0
  fi
  shutdown_server "$SOCK" "$pid" "$LOG_FILE" mariadbd pid_exists
  remove_stale_runtime_files
  info "stopped (data dir $DATA_DIR)"
}

status_server() {
  set_paths "$1"
  if command -v mariadb-admin >/dev/null 2>&1 && server_up; then
    info "running on 127.0.0.1:$(server_port) (pid $(<"$PID_FILE"), data dir $DATA_DIR)"
    return 0
  fi
  info "not running (data dir $DATA_DIR)"
  exit "$EXIT_NOT_RUNNING"
}

main() {
  local shared_dir="${LARS_MYSQL_DATA_DIR:-$ROOT/var/mysql/data}"
  local shared_port="${LARS_MYSQL_DB_PORT:-3306}"
  local cmd="${1:-}"
  (( $# > 0 )) && shift
  case "$cmd" in
    start) (( $# == 0 )) || usage; start_server "$shared_port" "$shared_dir" ;;
    stop) (( $# == 0 )) || usage; stop_server "$shared_dir" ;;
    status) (( $# == 0 )) || usage; status_server "$shared_dir" ;;
    start-throwaway)
      (( $# == 2 )) || usage
      PORT_SETTING="the PORT argument of start-throwaway"
      start_server "$1" "$2"
      ;;
    stop-throwaway) (( $# == 1 )) || usage; stop_server "$1" ;;
    *) usage ;;
  esac
}

main "$@"
