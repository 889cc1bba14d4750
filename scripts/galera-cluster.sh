#!/usr/bin/env bash
# Runs a local three-node MariaDB Galera cluster on loopback, for trying and
# testing Lars against a replicated database.
#
#   galera-cluster.sh start       start (bootstrap or rejoin) all three nodes, wait until
#                                 each is Synced in a cluster of 3, apply the schema (idempotent)
#   galera-cluster.sh stop        clean shutdown of all nodes (the last one stays safe to bootstrap)
#   galera-cluster.sh status      per node: port, pid, wsrep_cluster_size, wsrep_local_state_comment
#                                 (or "down"); exit 0 when all three are Synced, 3 otherwise
#   galera-cluster.sh kill N      kill -9 node N (1..3)
#   galera-cluster.sh restart N   bring node N back (IST from the others) and wait until Synced
#
# Environment:
#   LARS_GALERA_BASE_PORT     first of the 12 ports the cluster uses, default 3311: node N
#                             takes BASE+N-1 (clients), BASE+3N (Galera), BASE+3N+1 (IST)
#                             and BASE+3N+2 (SST), so 3311..3313 clients, 3314..3322 Galera
#   LARS_GALERA_DIR           cluster directory, default <repo>/var/galera (node N in nodeN/)
#   LARS_MYSQL_ADMIN_PASSWD   password of lars_admin, default lars_admin
#   LARS_MYSQL_DB_PASSWD      password of lars (the daemons' user), default lars
#   LARS_MYSQL_START_TIMEOUT  seconds to wait for a node to reach Synced or stop, default 60
#
# Node N keeps in nodeN/: my.cnf (its --defaults-file: the SST scripts read
# /etc/mysql/my.cnf unless given one), data/, mariadbd.sock, mariadbd.pid,
# mariadbd.err (log). Nodes run detached (no systemd); as root they run as the
# `mysql` user, since the rsync SST receiver refuses to run as root.
# Exit codes: 0 ok, 1 failure, 2 usage, 3 not all Synced (status).
set -euo pipefail

readonly LOG_PREFIX="galera-cluster"
# shellcheck source=mysql-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/mysql-common.sh"

readonly BASE_PORT="${LARS_GALERA_BASE_PORT:-3311}"
readonly CLUSTER_DIR="$(realpath -m -- "${LARS_GALERA_DIR:-$ROOT/var/galera}")"
readonly NODES=(1 2 3)
readonly CLUSTER_NAME="lars_local"
readonly EXIT_NOT_SYNCED=3

MARIADBD="" GALERA_LIB=""

usage() {
  cat >&2 <<'EOF'
usage: galera-cluster.sh start | stop | status
       galera-cluster.sh kill N | restart N      (N = 1..3)
EOF
  exit 2
}

[[ "$BASE_PORT" =~ ^[0-9]+$ ]] && (( BASE_PORT >= 1024 && BASE_PORT + 11 <= 65535 )) \
  || die "LARS_GALERA_BASE_PORT = $BASE_PORT: want 1024..65524 (the cluster uses BASE..BASE+11)"

client_port() { echo $((BASE_PORT + $1 - 1)); }
galera_port() { echo $((BASE_PORT + 3 * $1)); }
ist_port() { echo $(($(galera_port "$1") + 1)); }
sst_port() { echo $(($(galera_port "$1") + 2)); }
node_dir() { echo "$CLUSTER_DIR/node$1"; }
data_dir() { echo "$CLUSTER_DIR/node$1/data"; }
sock_of() { echo "$CLUSTER_DIR/node$1/mariadbd.sock"; }
pid_file() { echo "$CLUSTER_DIR/node$1/mariadbd.pid"; }
log_file() { echo "$CLUSTER_DIR/node$1/mariadbd.err"; }
cnf_of() { echo "$CLUSTER_DIR/node$1/my.cnf"; }

check_node_arg() {
  [[ "$1" =~ ^[1-3]$ ]] || { echo "galera-cluster: error: invalid node '$1' (want 1..3)" >&2; usage; }
}

find_galera_lib() {
  local f
  if command -v dpkg >/dev/null 2>&1; then
    f="$(dpkg -L galera-4 2>/dev/null | grep '/libgalera_smm\.so$' | head -n1)" || true
    [[ -n "$f" && -f "$f" ]] && { echo "$f"; return 0; }
  fi
  for f in /usr/lib/galera/libgalera_smm.so /usr/lib/libgalera_smm.so /usr/lib64/galera-4/libgalera_smm.so; do
    [[ -f "$f" ]] && { echo "$f"; return 0; }
  done
  return 1
}

# Same approach as mysql-local.sh: install what is missing with apt-get as root.
ensure_installed() {
  local missing=()
  mariadb_present || missing+=(mariadb-server mariadb-client)
  find_galera_lib >/dev/null || missing+=(galera-4)
  command -v rsync >/dev/null 2>&1 || missing+=(rsync)
  if (( ${#missing[@]} > 0 )); then
    (( EUID == 0 )) || die "missing packages: ${missing[*]}. Install them as root, e.g.:
  sudo apt-get install -y --no-install-recommends ${missing[*]}
then run this again."
    command -v apt-get >/dev/null 2>&1 || die "missing packages (${missing[*]}) and apt-get is unavailable"
    info "installing ${missing[*]} with apt-get"
    apt_install "${missing[@]}"
  fi
  MARIADBD="$(find_bin mariadbd)" || die "mariadbd not found after installing MariaDB"
  GALERA_LIB="$(find_galera_lib)" || die "libgalera_smm.so not found after installing galera-4"
}

node_pid() { pid_from_file "$(pid_file "$1")"; }

# Socket login as the OS user (unix_socket auth of root); sync wait off so a
# status query never waits on a node that lost the primary component.
node_sql() {
  local n="$1"
  shift
  mariadb --no-defaults --socket="$(sock_of "$n")" --user="$OS_USER" --connect-timeout=3 \
    --init-command='SET SESSION wsrep_sync_wait = 0' "$@"
}

# Prints "SIZE STATE" of node N, or fails when it does not answer.
wsrep_state() {
  local out size="" state=""
  node_pid "$1" >/dev/null || return 1
  out="$(node_sql "$1" --batch --skip-column-names -e \
    "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_size', 'wsrep_local_state_comment')" 2>/dev/null)" \
    || return 1
  while IFS=$'\t' read -r name value; do
    case "$name" in
      wsrep_cluster_size) size="$value" ;;
      wsrep_local_state_comment) state="$value" ;;
    esac
  done <<<"$out"
  [[ -n "$size" && -n "$state" ]] || return 1
  echo "$size $state"
}

node_synced() {
  local s
  s="$(wsrep_state "$1")" || return 1
  [[ "${s#* }" == Synced ]] && { [[ -z "${2:-}" ]] || [[ "${s%% *}" == "$2" ]]; }
}

running_nodes() {
  local n out=()
  for n in "${NODES[@]}"; do node_pid "$n" >/dev/null && out+=("$n"); done
  echo "${out[*]}"
}

log_tail() { tail_log "$(log_file "$1")"; }

take_lock() { take_lock_file "$CLUSTER_DIR/cluster.lock"; }

# Regenerated on every launch so a changed base port or library path applies.
write_defaults_file() {
  local n="$1" g addr="" i user_line=""
  for i in "${NODES[@]}"; do addr+="${addr:+,}127.0.0.1:$(galera_port "$i")"; done
  g="$(galera_port "$n")"
  (( EUID == 0 )) && user_line="user = mysql"
  cat >"$(cnf_of "$n")" <<EOF
# Generated by scripts/galera-cluster.sh; rewritten on every start of node $n.
[mysqld]
$user_line
datadir = $(data_dir "$n")
socket = $(sock_of "$n")
pid-file = $(pid_file "$n")
log-error = $(log_file "$n")
port = $(client_port "$n")
bind-address = 127.0.0.1
skip-name-resolve
max-connections = 300
character-set-server = utf8mb4
collation-server = utf8mb4_general_ci
innodb_buffer_pool_size = 64M
innodb_log_file_size = 32M
default_storage_engine = InnoDB
binlog_format = ROW
innodb_autoinc_lock_mode = 2
wsrep_on = ON
wsrep_provider = $GALERA_LIB
wsrep_cluster_name = $CLUSTER_NAME
wsrep_cluster_address = gcomm://$addr
wsrep_node_name = node$n
wsrep_node_address = 127.0.0.1:$g
wsrep_sst_method = rsync
wsrep_sst_receive_address = 127.0.0.1:$(sst_port "$n")
# Fast failure detection (defaults notice a dead node after ~6.5 s, these ~3 s);
# keepalive_period must stay below a third of suspect_timeout.
wsrep_provider_options = "gmcast.listen_addr=tcp://127.0.0.1:$g; ist.recv_addr=127.0.0.1:$(ist_port "$n"); evs.keepalive_period=PT0.5S; evs.suspect_timeout=PT2S; evs.inactive_timeout=PT4S; gcache.size=64M"
# A read waits until the node applied every write the cluster committed before it.
wsrep_sync_wait = 1
EOF
}

prepare_node_dir() {
  local n="$1" dir
  dir="$(node_dir "$n")"
  mkdir -p "$dir" "$(data_dir "$n")"
  write_defaults_file "$n"
  rm -f "$(pid_file "$n")" "$(sock_of "$n")" "$(sock_of "$n").lock"
  (( EUID == 0 )) && chown -R mysql:mysql "$dir"
  return 0
}

# Creates the system tables in node 1 on first use; the other nodes get them by SST.
init_first_node() {
  local dd tmp user_opts=()
  dd="$(data_dir 1)"
  [[ -d "$dd/mysql" ]] && return 0
  tmp="$dd.init"
  mkdir -p "$(node_dir 1)"
  (( EUID == 0 )) && user_opts=(--user=mysql)
  info "initialising node 1 data dir $dd"
  install_db "$tmp" "$(log_file 1).init" "${user_opts[@]}" --auth-root-socket-user="$OS_USER"
  rm -rf -- "$dd"
  mv -- "$tmp" "$dd"
  (( EUID == 0 )) && chown -R mysql:mysql "$(node_dir 1)"
  return 0
}

grastate_field() {
  local f
  f="$(data_dir "$1")/grastate.dat"
  [[ -f "$f" ]] || return 1
  sed -n "s/^$2:[[:space:]]*//p" "$f" | head -n1
}

# A node killed with -9 leaves seqno -1 in grastate.dat; without its real
# position it would ask for a full SST. --wsrep-recover reads it from InnoDB.
recover_position() {
  local n="$1" seqno rlog pos
  seqno="$(grastate_field "$n" seqno)" || return 0
  [[ "$seqno" == -1 && -d "$(data_dir "$n")/mysql" ]] || return 0
  rlog="$(node_dir "$n")/recover.err"
  rm -f "$rlog"
  "$MARIADBD" --defaults-file="$(cnf_of "$n")" --wsrep-recover --log-error="$rlog" </dev/null >/dev/null 2>&1 \
    || { cat "$rlog" >&2 2>/dev/null || true; die "mariadbd --wsrep-recover failed for node $n"; }
  pos="$(sed -n 's/.*WSREP: Recovered position: *\([^ ]*\).*/\1/p' "$rlog" | tail -n1)"
  [[ -n "$pos" ]] || return 0
  echo "$pos"
}

# Launches node N detached; $2 = bootstrap|join.
launch_node() {
  local n="$1" mode="$2" extra=() pos p
  for p in "$(client_port "$n")" "$(galera_port "$n")" "$(ist_port "$n")" "$(sst_port "$n")"; do
    port_taken "$p" && die "port $p on 127.0.0.1 (node $n) is in use by another process; choose other ports with LARS_GALERA_BASE_PORT"
  done
  prepare_node_dir "$n"
  pos="$(recover_position "$n")"
  [[ -n "$pos" ]] && extra+=(--wsrep-start-position="$pos")
  [[ "$mode" == bootstrap ]] && extra+=(--wsrep-new-cluster)
  info "starting node $n ($mode${pos:+, from position $pos}) on 127.0.0.1:$(client_port "$n")"
  setsid "$MARIADBD" --defaults-file="$(cnf_of "$n")" "${extra[@]}" \
    </dev/null >>"$(log_file "$n")" 2>&1 9>&- &
  LAUNCHED_PID=$!
}

# Waits until node N is Synced (and, with $3, in a cluster of that size).
wait_synced() {
  local n="$1" launched="$2" size="${3:-}" deadline=$((SECONDS + START_TIMEOUT))
  while (( SECONDS < deadline )); do
    if [[ -n "$launched" ]] && ! alive "$launched"; then
      log_tail "$n"
      die "node $n (mariadbd) exited during startup; see $(log_file "$n")"
    fi
    node_synced "$n" "$size" && return 0
    sleep 0.2
  done
  log_tail "$n"
  die "node $n was not Synced${size:+ in a cluster of $size} within ${START_TIMEOUT}s (LARS_MYSQL_START_TIMEOUT changes the wait)"
}

# On a cold start, the node that stopped last (safe_to_bootstrap: 1) or else
# the most advanced one must found the cluster, or commits would be lost.
pick_bootstrap_node() {
  local n best=1 best_seqno=-2 seqno pos
  for n in "${NODES[@]}"; do
    [[ "$(grastate_field "$n" safe_to_bootstrap 2>/dev/null)" == 1 ]] && { echo "$n"; return 0; }
  done
  for n in "${NODES[@]}"; do
    [[ -d "$(data_dir "$n")/mysql" ]] || continue
    seqno="$(grastate_field "$n" seqno 2>/dev/null)" || continue
    if [[ "$seqno" == -1 ]]; then
      write_defaults_file "$n"
      pos="$(recover_position "$n")"
      seqno="${pos##*:}"
      [[ "$seqno" =~ ^-?[0-9]+$ ]] || seqno=-1
    fi
    (( seqno > best_seqno )) && { best="$n"; best_seqno="$seqno"; }
  done
  echo "$best"
}

mark_safe_to_bootstrap() {
  local f
  f="$(data_dir "$1")/grastate.dat"
  [[ -f "$f" ]] && sed -i 's/^safe_to_bootstrap:.*/safe_to_bootstrap: 1/' "$f"
  return 0
}

# Same database, users and schema as mysql-local.sh; Galera replicates the
# DDL and account statements to every node, so this runs on one node only.
provision() {
  local n="$1"
  create_database_and_users node_sql "$n"
  run_migrations "$(client_port "$n")"
  load_sample_routes node_sql "$n"
}

# A node left running with another LARS_GALERA_BASE_PORT would be reported
# on ports it does not listen on.
check_running_ports() {
  local n port
  for n in $1; do
    port="$(node_sql "$n" --batch --skip-column-names -e 'SELECT @@port' 2>/dev/null)" || continue
    [[ "$port" == "$(client_port "$n")" ]] \
      || die "node $n of $CLUSTER_DIR already runs on port $port, not $(client_port "$n"); stop the cluster first"
  done
}

cmd_start() {
  local n running first started=$SECONDS
  ensure_installed
  take_lock
  running="$(running_nodes)"
  check_running_ports "$running"
  if [[ "$running" == "1 2 3" ]] && node_synced 1 3 && node_synced 2 3 && node_synced 3 3; then
    info "already running (nodes on 127.0.0.1:$(client_port 1), $(client_port 2), $(client_port 3))"
    provision 1
    return 0
  fi
  if [[ -z "$running" ]]; then
    first="$(pick_bootstrap_node)"
    [[ "$first" == 1 ]] && init_first_node
    mark_safe_to_bootstrap "$first"
    launch_node "$first" bootstrap
    wait_synced "$first" "$LAUNCHED_PID"
    running="$first"
  fi
  # One joiner at a time: a donor serves one state transfer at once.
  for n in "${NODES[@]}"; do
    node_pid "$n" >/dev/null && continue
    launch_node "$n" join
    wait_synced "$n" "$LAUNCHED_PID"
  done
  for n in "${NODES[@]}"; do wait_synced "$n" "" 3; done
  first="${running%% *}"
  provision "$first"
  info "running: 3 nodes Synced on 127.0.0.1:$(client_port 1), $(client_port 2), $(client_port 3) in $((SECONDS - started))s (data under $CLUSTER_DIR)"
}

stop_node() {
  local n="$1" pid
  pid="$(node_pid "$n")" || { info "node $n not running"; return 0; }
  shutdown_server "$(sock_of "$n")" "$pid" "$(log_file "$n")" "node $n" alive
  rm -f "$(pid_file "$n")"
  info "stopped node $n (pid $pid)"
}

# One at a time, node 1 last: the last to leave records safe_to_bootstrap: 1.
cmd_stop() {
  local n
  take_lock
  for n in 3 2 1; do stop_node "$n"; done
}

cmd_status() {
  local n pid s synced=0
  for n in "${NODES[@]}"; do
    if pid="$(node_pid "$n")" && s="$(wsrep_state "$n")"; then
      echo "node$n port $(client_port "$n") pid $pid size ${s%% *} state ${s#* }"
      [[ "$s" == "3 Synced" ]] && synced=$((synced + 1))
    elif [[ -n "${pid:-}" ]]; then
      echo "node$n port $(client_port "$n") pid $pid size - state unreachable"
    else
      echo "node$n port $(client_port "$n") down"
    fi
    pid=""
  done
  (( synced == 3 )) || exit "$EXIT_NOT_SYNCED"
}

cmd_kill() {
  local n="$1" pid
  pid="$(node_pid "$n")" || { info "node $n is not running"; return 0; }
  kill -KILL "$pid"
  while alive "$pid"; do sleep 0.05; done
  info "killed node $n (pid $pid)"
}

cmd_restart() {
  local n="$1" others=() i started=$SECONDS
  ensure_installed
  take_lock
  if node_pid "$n" >/dev/null; then
    wait_synced "$n" ""
    info "node $n already running and Synced"
    return 0
  fi
  for i in "${NODES[@]}"; do [[ "$i" != "$n" ]] && node_pid "$i" >/dev/null && others+=("$i"); done
  (( ${#others[@]} > 0 )) || die "no other node runs, so node $n cannot rejoin; use start"
  launch_node "$n" join
  wait_synced "$n" "$LAUNCHED_PID" $(( ${#others[@]} + 1 ))
  info "node $n Synced in a cluster of $(( ${#others[@]} + 1 )) after $((SECONDS - started))s"
}

main() {
  local cmd="${1:-}"
  (( $# > 0 )) && shift
  case "$cmd" in
    start) (( $# == 0 )) || usage; cmd_start ;;
    stop) (( $# == 0 )) || usage; cmd_stop ;;
    status) (( $# == 0 )) || usage; cmd_status ;;
    kill) (( $# == 1 )) || usage; check_node_arg "$1"; cmd_kill "$1" ;;
    restart) (( $# == 1 )) || usage; check_node_arg "$1"; cmd_restart "$1" ;;
    *) usage ;;
  esac
}

main "$@"
