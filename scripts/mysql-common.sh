# shellcheck shell=bash
# What scripts/mysql-local.sh and scripts/galera-cluster.sh share: settings,
# messages, finding and installing MariaDB, process checks, and creating the
# lars_dns database, its users and schema. Sourced, never run; the sourcing
# script sets LOG_PREFIX (its name in messages, e.g. "mysql-local") first.

: "${LOG_PREFIX:?set LOG_PREFIX before sourcing mysql-common.sh}"

readonly ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly MIGRATE_CLI="packages/store/src/migrate-cli.ts"
readonly SAMPLE_SQL="$ROOT/sql/lars_dns_sample.sql"
readonly DB_NAME="lars_dns"
readonly ADMIN_PASSWD="${LARS_MYSQL_ADMIN_PASSWD:-lars_admin}"
readonly APP_PASSWD="${LARS_MYSQL_DB_PASSWD:-lars}"
readonly START_TIMEOUT="${LARS_MYSQL_START_TIMEOUT:-60}"
readonly OS_USER="$(id -un)"

die() { echo "$LOG_PREFIX: error: $*" >&2; exit 1; }
info() { echo "$LOG_PREFIX: $*"; }

# Finds an executable on PATH or in the sbin dirs a non-root PATH often lacks.
find_bin() {
  local name="$1" dir
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
  for dir in /usr/sbin /usr/local/sbin /sbin; do
    [[ -x "$dir/$name" ]] && { echo "$dir/$name"; return 0; }
  done
  return 1
}

# True when the MariaDB server and the client tools these scripts run are installed.
mariadb_present() {
  { find_bin mariadbd && command -v mariadb && command -v mariadb-install-db && command -v mariadb-admin; } \
    >/dev/null 2>&1
}

apt_lists_present() {
  compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null 2>&1
}

# apt-get install of the packages given (as root; the caller checked that).
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  apt_lists_present || apt-get update
  if ! apt-get install -y --no-install-recommends "$@"; then
    # Stale package lists are the usual cause; refresh once and retry.
    apt-get update
    apt-get install -y --no-install-recommends "$@"
  fi
}

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

# True when process $1 exists, zombie or not.
pid_exists() { kill -0 "$1" 2>/dev/null; }

# Prints the pid in pid file $1 when that process is alive.
pid_from_file() {
  local pid
  [[ -s "$1" ]] || return 1
  pid="$(<"$1")"
  [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid" || return 1
  echo "$pid"
}

# True when something accepts TCP connections on 127.0.0.1:PORT.
port_taken() {
  timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" >/dev/null 2>&1
}

# Prints the end of server log $1 (if any) to stderr.
tail_log() {
  [[ -f "$1" ]] || return 0
  echo "--- last lines of $1 ---" >&2
  tail -n 25 "$1" >&2 || true
}

# Holds lock file $1 on fd 9 (serialises start/stop; parallel test files may all call start).
take_lock_file() {
  mkdir -p "$(dirname "$1")"
  exec 9>"$1"
  flock -w 300 9 || die "timed out waiting for the lock $1"
}

# Creates the system tables in the scratch dir $1 (removed first; the caller
# renames it into place), writing the tool's output to $2. $3...: more options.
install_db() {
  local tmp="$1" out="$2"
  shift 2
  rm -rf -- "$tmp"
  if ! mariadb-install-db --no-defaults --datadir="$tmp" "$@" \
      --auth-root-authentication-method=socket --skip-test-db --skip-name-resolve \
      >"$out" 2>&1; then
    tail -n 25 "$out" >&2 || true
    rm -rf -- "$tmp"
    die "mariadb-install-db failed (full output: $out)"
  fi
}

# Clean shutdown of server pid $2 over socket $1 (else SIGTERM), waiting until
# check $5 (alive or pid_exists) says it is gone. $3: its log, $4: what it is in messages.
shutdown_server() {
  local sock="$1" pid="$2" log="$3" what="$4" running_check="$5" deadline
  mariadb-admin --no-defaults --socket="$sock" --user="$OS_USER" --connect-timeout=5 shutdown \
    >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + START_TIMEOUT))
  while "$running_check" "$pid"; do
    if (( SECONDS >= deadline )); then
      tail_log "$log"
      die "$what (pid $pid) did not stop within ${START_TIMEOUT}s"
    fi
    sleep 0.2
  done
}

sql_string() {
  local s="${1//\\/\\\\}"
  printf "'%s'" "${s//\'/\'\'}"
}

# Creates lars_dns and the users lars_admin and lars; safe to run on every
# start. "$@": the client command (e.g. sql_client, or node_sql 1).
create_database_and_users() {
  local admin_pw app_pw host
  admin_pw="$(sql_string "$ADMIN_PASSWD")"
  app_pw="$(sql_string "$APP_PASSWD")"
  "$@" -e "CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
  # In GRANT, `_` is a wildcard: escape it so `lars\_dns` means exactly lars_dns.
  for host in 127.0.0.1 localhost; do
    "$@" <<SQL
CREATE USER IF NOT EXISTS 'lars_admin'@'$host' IDENTIFIED BY $admin_pw;
ALTER USER 'lars_admin'@'$host' IDENTIFIED BY $admin_pw;
GRANT ALL PRIVILEGES ON \`lars\\_%\`.* TO 'lars_admin'@'$host';
CREATE USER IF NOT EXISTS 'lars'@'$host' IDENTIFIED BY $app_pw;
ALTER USER 'lars'@'$host' IDENTIFIED BY $app_pw;
GRANT SELECT, INSERT, UPDATE, DELETE ON \`lars\\_dns\`.* TO 'lars'@'$host';
GRANT SELECT, INSERT, UPDATE, DELETE ON \`lars\\_test\\_%\`.* TO 'lars'@'$host';
SQL
  done
}

# Applies the schema migrations to lars_dns through the runner, as lars_admin
# over TCP to 127.0.0.1:$1 (the runner is Node: it cannot use the OS user's socket login).
run_migrations() {
  local port="$1"
  [[ -d "$ROOT/node_modules" ]] \
    || die "node_modules is missing: run ./run_lars.sh up (or pnpm install) first; the schema is applied by $MIGRATE_CLI"
  (cd "$ROOT" && LARS_MYSQL_ADMIN_PASSWD="$ADMIN_PASSWD" node --conditions=lars-source --import tsx "$MIGRATE_CLI" \
    --host 127.0.0.1 --port "$port" --database "$DB_NAME" --admin-user lars_admin) \
    | sed "s/^/$LOG_PREFIX: /" || die "applying the schema migrations to $DB_NAME failed (see above)"
}

# Loads the sample routes into an empty RouteData. "$@": the client command.
load_sample_routes() {
  local route_rows
  route_rows="$("$@" --batch --skip-column-names "$DB_NAME" -e 'SELECT COUNT(*) FROM RouteData')"
  if [[ "$route_rows" == 0 ]]; then
    info "loading sample routes into $DB_NAME"
    "$@" "$DB_NAME" <"$SAMPLE_SQL"
  fi
}
