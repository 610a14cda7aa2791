#!/bin/sh
# The container's entry point: check the deployment for this role, then start it.
#   rasa | actions | dispatcher   doctor for that role, then the server (exec: PID 1)
#   doctor                        only the check, for every role
#   anything else                 run as given (e.g. `python -m bot.ops.cli reports list`)
set -eu
role="${1:-rasa}"
case "$role" in
  rasa|actions|dispatcher)
    if ! python -m bot.ops.cli doctor --role "$role"; then
      echo "Not starting the $role server: fix the settings named above (docs/deploy.md)." >&2
      exit 78  # EX_CONFIG
    fi ;;
esac
case "$role" in
  rasa)
    exec python -m bot.rasa.run run -m models/iar.tar.gz --endpoints endpoints.prod.yml \
      --credentials credentials.yml -p 5005 -i 0.0.0.0 ;;
  actions)
    exec python -m bot.rasa.action_server --actions actions -p 5055 ;;
  dispatcher)
    exec python -m bot.ops.cli alerts run ;;
  doctor)
    exec python -m bot.ops.cli doctor ;;
  *)
    exec "$@" ;;
esac
