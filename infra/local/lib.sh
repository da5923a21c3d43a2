# shellcheck shell=bash
# shellcheck disable=SC2034 # variables are used by the scripts that source this file
# Shared code for infra/local/{up,down,status}.sh. Source it; do not run it.
#
# Layout:
#   ${TENANTRY_CACHE_DIR:-~/.cache/tenantry}          downloads and builds (kept across runs)
#     kafka-<version>/libs/*.jar                       Kafka classpath from Maven Central
#     ferretdb/tenantry-ferretdb-<hash>                FerretDB binary, keyed on the Go sources
#   ${TENANTRY_INFRA_DIR:-~/.local/state/tenantry-infra}  runtime state
#     logs/{kafka,ferretdb,redis}.log   (+ install.log, maven-kafka.log from installs)
#     kafka/{server.properties,log4j.properties,cluster.id,kafka.pid,data/}
#     ferretdb/{ferretdb.pid,data/}
#     redis/redis.pid

INFRA_LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_DIR="${TENANTRY_CACHE_DIR:-$HOME/.cache/tenantry}"
STATE_DIR="${TENANTRY_INFRA_DIR:-$HOME/.local/state/tenantry-infra}"
LOG_DIR="$STATE_DIR/logs"

HOST=127.0.0.1
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
MONGO_PORT="${MONGO_PORT:-27017}"
REDIS_PORT="${REDIS_PORT:-6379}"

KAFKA_VERSION="${TENANTRY_KAFKA_VERSION:-3.9.2}"
KAFKA_HOME="$CACHE_DIR/kafka-$KAFKA_VERSION"
KAFKA_STATE="$STATE_DIR/kafka"
KAFKA_PID_FILE="$KAFKA_STATE/kafka.pid"
FERRET_SRC="$INFRA_LOCAL_DIR/ferretdb"
FERRET_STATE="$STATE_DIR/ferretdb"
FERRET_PID_FILE="$FERRET_STATE/ferretdb.pid"
REDIS_STATE="$STATE_DIR/redis"
REDIS_PID_FILE="$REDIS_STATE/redis.pid"

# Seconds to wait for a component to become healthy / to exit.
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-180}"
MONGO_START_TIMEOUT="${MONGO_START_TIMEOUT:-60}"
REDIS_START_TIMEOUT="${REDIS_START_TIMEOUT:-30}"
STOP_TIMEOUT="${TENANTRY_INFRA_STOP_TIMEOUT:-60}"

ALL_COMPONENTS=(kafka mongo redis)

log() { printf '[infra] %s\n' "$*" >&2; }
die() {
  printf '[infra] ERROR: %s\n' "$*" >&2
  exit 1
}

now() { printf '%s' "$EPOCHREALTIME"; }
# elapsed START -> "12.3s"
elapsed() { awk -v s="$1" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.1fs", e - s }'; }

# Normalises component names given on the command line into the global COMPONENTS array.
parse_components() {
  COMPONENTS=()
  local c
  for c in "$@"; do
    case "$c" in
      kafka) COMPONENTS+=(kafka) ;;
      mongo | mongodb | ferretdb) COMPONENTS+=(mongo) ;;
      redis) COMPONENTS+=(redis) ;;
      *) die "unknown component '$c' (expected: kafka, mongo, redis)" ;;
    esac
  done
  if [[ ${#COMPONENTS[@]} -eq 0 ]]; then
    COMPONENTS=("${ALL_COMPONENTS[@]}")
  fi
}

# Serialises concurrent up/down runs. fd 9 must not leak into the daemons (see start_detached).
take_lock() {
  mkdir -p "$STATE_DIR" "$LOG_DIR"
  exec 9>"$STATE_DIR/.lock"
  if ! flock -n 9; then
    log "another up/down run holds $STATE_DIR/.lock; waiting..."
    flock 9
  fi
}

log_file() {
  case "$1" in
    mongo) printf '%s/ferretdb.log' "$LOG_DIR" ;;
    *) printf '%s/%s.log' "$LOG_DIR" "$1" ;;
  esac
}

pid_file() {
  case "$1" in
    kafka) printf '%s' "$KAFKA_PID_FILE" ;;
    mongo) printf '%s' "$FERRET_PID_FILE" ;;
    redis) printf '%s' "$REDIS_PID_FILE" ;;
  esac
}

# A string that must appear in /proc/<pid>/cmdline, so a recycled pid is not mistaken for ours.
cmdline_marker() {
  case "$1" in
    kafka) printf 'kafka.Kafka' ;;
    mongo) printf 'tenantry-ferretdb' ;;
    redis) printf 'redis-server' ;;
  esac
}

port_of() {
  case "$1" in
    kafka) printf '%s' "$KAFKA_PORT" ;;
    mongo) printf '%s' "$MONGO_PORT" ;;
    redis) printf '%s' "$REDIS_PORT" ;;
  esac
}

# Prints the pid of our running process for the component, or fails.
running_pid() {
  local file pid cmd
  file="$(pid_file "$1")"
  [[ -s "$file" ]] || return 1
  pid="$(<"$file")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmd" == *"$(cmdline_marker "$1")"* ]] || return 1
  printf '%s' "$pid"
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# ---------------------------------------------------------------- health checks

kafka_healthy() {
  command -v kcat >/dev/null 2>&1 || return 1
  # kcat keeps retrying a closed port until its metadata timeout: check the port first.
  port_open "$KAFKA_PORT" || return 1
  local out
  out="$(timeout 10 kcat -b "$HOST:$KAFKA_PORT" -L -m 5 2>/dev/null)" || return 1
  # The broker must list itself, and every existing partition must have a leader (after a restart
  # leaders are re-elected a moment after the broker starts answering metadata requests).
  [[ "$out" == *"broker 1 at $HOST:$KAFKA_PORT"* ]] || return 1
  [[ "$out" != *"leader -1"* ]] || return 1
}

ferret_bin_path() {
  local hash
  hash="$(cat "$FERRET_SRC"/{go.mod,go.sum,main.go,sqlite-id-index.sed,sqlite-id-pushdown.sed,isolated-writes.sed,handler-isolated-writes.go.in} | sha256sum | cut -c1-16)"
  printf '%s/ferretdb/tenantry-ferretdb-%s' "$CACHE_DIR" "$hash"
}

mongo_healthy() {
  local bin
  bin="$(ferret_bin_path)"
  port_open "$MONGO_PORT" || return 1
  if [[ -x "$bin" ]]; then
    "$bin" -ping "$HOST:$MONGO_PORT" -timeout 3s >/dev/null 2>&1
  fi # else no binary (status.sh before the first build): the TCP connect has to do
}

redis_healthy() {
  command -v redis-cli >/dev/null 2>&1 || return 1
  [[ "$(timeout 5 redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == "PONG" ]]
}

healthy() { "${1}_healthy"; }

# ---------------------------------------------------------------- process helpers

# start_detached NAME PIDFILE LOGFILE CMD...
# Runs CMD in its own session (so it survives the caller's process group being killed), with stdin
# from /dev/null and stdout/stderr appended to LOGFILE (so `eval "$(up.sh)"` does not wait on it),
# and without the lock fd. The pid written is the pid of CMD itself (bash execs it).
start_detached() {
  local pidfile="$2" logfile="$3"
  shift 3
  rotate_log "$logfile"
  printf '\n===== %s starting: %s\n' "$(date -Is)" "$*" >>"$logfile"
  # shellcheck disable=SC2016 # $$ and $0 are expanded by the inner bash
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" </dev/null >>"$logfile" 2>&1 9>&- &
  for _ in $(seq 1 50); do # the pid file appears within milliseconds
    [[ -s "$pidfile" ]] && return 0
    sleep 0.1
  done
  die "could not start $1 (no pid file $pidfile); see $logfile"
}

# Keeps logs from growing without bound across many runs.
rotate_log() {
  local f="$1" size
  [[ -f "$f" ]] || return 0
  size="$(stat -c %s "$f")"
  if ((size > 50 * 1024 * 1024)); then
    mv -f "$f" "$f.1"
  fi
}

# wait_healthy COMPONENT TIMEOUT_SECONDS
wait_healthy() {
  local c="$1" timeout="$2" deadline logf
  logf="$(log_file "$c")"
  deadline=$((SECONDS + timeout))
  while ! healthy "$c"; do
    local pidfile
    pidfile="$(pid_file "$c")"
    if [[ -s "$pidfile" ]] && ! running_pid "$c" >/dev/null; then
      log "---- last lines of $logf ----"
      tail -n 30 "$logf" >&2 || true
      die "$c exited during start-up; full log: $logf"
    fi
    if ((SECONDS >= deadline)); then
      log "---- last lines of $logf ----"
      tail -n 30 "$logf" >&2 || true
      die "$c not healthy on $HOST:$(port_of "$c") after ${timeout}s; full log: $logf (to retry from scratch: infra/local/down.sh $c && infra/local/up.sh $c)"
    fi
    sleep 0.3
  done
}

# stop_component COMPONENT: SIGTERM, wait up to STOP_TIMEOUT, then SIGKILL; waits until gone.
stop_component() {
  local c="$1" pid t0 deadline
  t0="$(now)"
  if ! pid="$(running_pid "$c")"; then
    rm -f "$(pid_file "$c")"
    if healthy "$c"; then
      log "$c: something is serving $HOST:$(port_of "$c") but was not started by these scripts; left alone"
    else
      log "$c: not running"
    fi
    return 0
  fi
  log "$c: stopping pid $pid..."
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + STOP_TIMEOUT))
  local killed=0
  while [[ -d "/proc/$pid" ]] && ! is_zombie "$pid"; do
    if ((SECONDS >= deadline)); then
      ((killed == 0)) || die "$c: pid $pid survives SIGKILL"
      log "$c: still running after ${STOP_TIMEOUT}s, sending SIGKILL (see $(log_file "$c"))"
      kill -KILL "$pid" 2>/dev/null || true
      killed=1
      deadline=$((SECONDS + 10))
    fi
    sleep 0.1
  done
  rm -f "$(pid_file "$c")"
  log "$c: stopped in $(elapsed "$t0")"
}

is_zombie() { [[ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" == "Z" ]]; }

print_env() {
  printf 'export KAFKA_BROKERS=%s:%s\n' "$HOST" "$KAFKA_PORT"
  printf 'export MONGODB_URI=mongodb://%s:%s/tenantry\n' "$HOST" "$MONGO_PORT"
  printf 'export REDIS_URL=redis://%s:%s\n' "$HOST" "$REDIS_PORT"
}
