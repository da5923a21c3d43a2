#!/usr/bin/env bash
# Stops the local infrastructure started by up.sh and waits until the processes are gone.
#
#   infra/local/down.sh [--wipe] [kafka|mongo|redis ...]   # all three when none is named
#
# Data is kept (a Kafka restart keeps its topics, messages and cluster id) unless --wipe is given,
# which also deletes the runtime data of the named components. Logs are always kept.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

main() {
  local wipe=0 args=() c
  for c in "$@"; do
    case "$c" in
      --wipe) wipe=1 ;;
      -h | --help)
        sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        return 0
        ;;
      *) args+=("$c") ;;
    esac
  done
  parse_components "${args[@]}"
  take_lock

  for c in "${COMPONENTS[@]}"; do
    stop_component "$c"
    if ((wipe)); then
      case "$c" in
        kafka) rm -rf "$KAFKA_STATE" ;;
        mongo) rm -rf "$FERRET_STATE" ;;
        redis) rm -rf "$REDIS_STATE" ;;
      esac
      log "$c: runtime data wiped"
    fi
  done
}

main "$@"
