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

readonly ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly MIGRATE_CLI="packages/store/src/migrate-cli.ts"
readonly SAMPLE_SQL="$ROOT/sql/lars_dns_sample.sql"
readonly DB_NAME="lars_dns"
readonly ADMIN_PASSWD="${LARS_MYSQL_ADMIN_PASSWD:-lars_admin}"
readonly APP_PASSWD="${LARS_MYSQL_DB_PASSWD:-lars}"
readonly START_TIMEOUT="${LARS_MYSQL_START_TIMEOUT:-60}"
readonly OS_USER="$(id -un)"
readonly EXIT_NOT_RUNNING=3
readonly EXIT_PORT_TAKEN=4

MARIADBD=""
PORT_SETTING="LARS_MYSQL_DB_PORT (the [mysql] db_port setting)"
DATA_DIR="" SOCK="" PID_FILE="" LOG_FILE="" LOCK_FILE=""

die() { echo "mysql-local: error: $*" >&2; exit 1; }
info() { echo "mysql-local: $*"; }

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

# Finds an executable on PATH or in the sbin dirs a non-root PATH often lacks.
find_bin() {
  local name="$1" dir
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
  for dir in /usr/sbin /usr/local/sbin /sbin; do
    [[ -x "$dir/$name" ]] && { echo "$dir/$name"; return 0; }
  done
  return 1
}

apt_lists_present() {
  compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null 2>&1
}

ensure_mariadb_installed() {
  if MARIADBD="$(find_bin mariadbd)" && command -v mariadb >/dev/null 2>&1 \
      && command -v mariadb-install-db >/dev/null 2>&1 && command -v mariadb-admin >/dev/null 2>&1; then
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
  local pkgs=(mariadb-server mariadb-client)
  export DEBIAN_FRONTEND=noninteractive
  apt_lists_present || apt-get update
  if ! apt-get install -y --no-install-recommends "${pkgs[@]}"; then
    # Stale package lists are the usual cause; refresh once and retry.
    apt-get update
    apt-get install -y --no-install-recommends "${pkgs[@]}"
  fi
  MARIADBD="$(find_bin mariadbd)" || die "mariadbd still not found after installing MariaDB"
}

# Client as the OS user over our socket (socket authentication, no password).
sql_client() { mariadb --no-defaults --socket="$SOCK" --user="$OS_USER" "$@"; }

# True when process $1 exists and is not a zombie (a container's PID 1 may
# never reap the detached server).
alive() {
  local stat
  kill -0 "$1" 2>/dev/null || return 1
  [[ -r "/proc/$1/stat" ]] || return 0
  stat="$(<"/proc/$1/stat")" || return 1
  stat="${stat##*) }"
  [[ "${stat:0:1}" != Z ]]
}

server_pid() {
  local pid
  [[ -s "$PID_FILE" ]] || return 1
  pid="$(<"$PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid" || return 1
  echo "$pid"
}

# True when the server of DATA_DIR runs and answers on its socket.
server_up() {
  server_pid >/dev/null && [[ -S "$SOCK" ]] \
    && mariadb-admin --no-defaults --socket="$SOCK" --user="$OS_USER" --connect-timeout=5 ping >/dev/null 2>&1
}

server_port() { sql_client --batch --skip-column-names -e 'SELECT @@port'; }

# True when something accepts TCP connections on 127.0.0.1:PORT.
port_taken() {
  timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" >/dev/null 2>&1
}

port_taken_error() {
  echo "mysql-local: error: port $1 on 127.0.0.1 is already in use by another process (not the Lars MySQL server of $DATA_DIR)." >&2
  echo "  Stop that process, or choose another port with $PORT_SETTING." >&2
  exit "$EXIT_PORT_TAKEN"
}

log_tail() {
  if [[ -f "$LOG_FILE" ]]; then
    echo "--- last lines of $LOG_FILE ---" >&2
    tail -n 25 "$LOG_FILE" >&2 || true
  fi
}

# Serialises start/stop of one data dir (parallel test files may all call start).
take_lock() {
  mkdir -p "$(dirname "$DATA_DIR")"
  exec 9>"$LOCK_FILE"
  flock -w 300 9 || die "timed out waiting for the lock $LOCK_FILE"
}

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
  rm -rf -- "$tmp"
  info "initialising data dir $DATA_DIR"
  if ! mariadb-install-db --no-defaults --datadir="$tmp" "${user_opts[@]}" \
      --auth-root-authentication-method=socket --skip-test-db --skip-name-resolve \
      >"$LOG_FILE.init" 2>&1; then
    tail -n 25 "$LOG_FILE.init" >&2 || true
    rm -rf -- "$tmp"
    die "mariadb-install-db failed (full output: $LOG_FILE.init)"
  fi
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

sql_string() {
  local s="${1//\\/\\\\}"
  printf "'%s'" "${s//\'/\'\'}"
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

# Applies the schema migrations to lars_dns through the runner, as lars_admin
# over TCP (the runner is Node: it cannot use the OS user's socket login).
migrate_schema() {
  local port="$1"
  schema_current && return 0
  [[ -d "$ROOT/node_modules" ]] \
    || die "node_modules is missing: run ./run_lars.sh up (or pnpm install) first; the schema is applied by $MIGRATE_CLI"
  (cd "$ROOT" && LARS_MYSQL_ADMIN_PASSWD="$ADMIN_PASSWD" node --conditions=lars-source --import tsx "$MIGRATE_CLI" \
    --host 127.0.0.1 --port "$port" --database "$DB_NAME" --admin-user lars_admin) \
    | sed 's/^/mysql-local: /' || die "applying the schema migrations to $DB_NAME failed (see above)"
}

# Creates lars_dns and the users, applies the schema migrations, loads sample
# routes into an empty RouteData. Safe to run on every start.
provision() {
  local port="$1" admin_pw app_pw host route_rows
  admin_pw="$(sql_string "$ADMIN_PASSWD")"
  app_pw="$(sql_string "$APP_PASSWD")"
  sql_client -e "CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
  # In GRANT, `_` is a wildcard: escape it so `lars\_dns` means exactly lars_dns.
  for host in 127.0.0.1 localhost; do
    sql_client <<SQL
CREATE USER IF NOT EXISTS 'lars_admin'@'$host' IDENTIFIED BY $admin_pw;
ALTER USER 'lars_admin'@'$host' IDENTIFIED BY $admin_pw;
GRANT ALL PRIVILEGES ON \`lars\\_%\`.* TO 'lars_admin'@'$host';
CREATE USER IF NOT EXISTS 'lars'@'$host' IDENTIFIED BY $app_pw;
ALTER USER 'lars'@'$host' IDENTIFIED BY $app_pw;
GRANT SELECT, INSERT, UPDATE, DELETE ON \`lars\\_dns\`.* TO 'lars'@'$host';
GRANT SELECT, INSERT, UPDATE, DELETE ON \`lars\\_test\\_%\`.* TO 'lars'@'$host';
SQL
  done
  migrate_schema "$port"
  route_rows="$(sql_client --batch --skip-column-names "$DB_NAME" -e 'SELECT COUNT(*) FROM RouteData')"
  if [[ "$route_rows" == 0 ]]; then
    info "loading sample routes into $DB_NAME"
    sql_client "$DB_NAME" <"$SAMPLE_SQL"
  fi
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
  local pid deadline
  set_paths "$1"
  take_lock
  if ! pid="$(server_pid)"; then
    remove_stale_runtime_files
    info "not running (data dir $DATA_DIR)"
    return 0
  fi
  mariadb-admin --no-defaults --socket="$SOCK" --user="$OS_USER" --connect-timeout=5 shutdown \
    >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + START_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS >= deadline )); then
      log_tail
      die "mariadbd (pid $pid) did not stop within ${START_TIMEOUT}s"
    fi
    sleep 0.2
  done
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
