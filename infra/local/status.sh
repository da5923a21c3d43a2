#!/usr/bin/env bash
# One line per component: whether our process is running and whether the service answers.
# Exit status 0 when all are healthy, 1 otherwise.
#
#   infra/local/status.sh [kafka|mongo|redis ...]
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

main() {
  parse_components "$@"
  local c pid proc health rc=0
  for c in "${COMPONENTS[@]}"; do
    if pid="$(running_pid "$c")"; then
      proc="running (pid $pid)"
    else
      proc="not running"
    fi
    if healthy "$c"; then
      health="healthy"
      [[ "$proc" != "not running" ]] || proc="not started by up.sh"
    else
      health="NOT healthy"
      rc=1
    fi
    printf '%-6s %-24s %-12s %s:%s  log: %s\n' "$c" "$proc" "$health" "$HOST" "$(port_of "$c")" "$(log_file "$c")"
  done
  return "$rc"
}

main "$@"
