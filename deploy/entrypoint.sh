#!/usr/bin/env bash
# Container entrypoint for 公益创投管理平台.
#   (no arguments) or "serve [extra grants serve options]":
#       run the database migrations (grants db upgrade), then start the web server with
#       WEB_WORKERS uvicorn workers (default 4) on 0.0.0.0:8000, trusting proxy headers.
#   anything else: run it as a command, e.g. `docker compose run --rm app grants check`.
# Environment: WEB_WORKERS (4), PORT (8000), DB_WAIT_SECONDS (60: how long to retry the
# migrations while the database is starting), GRANTS_SKIP_MIGRATIONS=1 to skip them.
set -euo pipefail

if [[ $# -eq 0 ]]; then
    set -- serve
fi

if [[ $1 != serve ]]; then
    exec "$@"
fi
shift

workers=${WEB_WORKERS:-4}
port=${PORT:-8000}
wait_seconds=${DB_WAIT_SECONDS:-60}
[[ $workers =~ ^[1-9][0-9]*$ ]] || { echo "entrypoint: WEB_WORKERS must be a positive number, not '$workers'" >&2; exit 2; }

if [[ ${GRANTS_SKIP_MIGRATIONS:-0} != 1 ]]; then
    deadline=$((SECONDS + wait_seconds))
    until grants db upgrade; do
        if ((SECONDS >= deadline)); then
            echo "entrypoint: 'grants db upgrade' kept failing for ${wait_seconds}s; giving up (check DATABASE_URL and the db service)" >&2
            exit 1
        fi
        echo "entrypoint: 'grants db upgrade' failed; retrying in 3s (the database may still be starting)" >&2
        sleep 3
    done
fi

echo "entrypoint: starting grants serve on 0.0.0.0:${port} with ${workers} worker(s)" >&2
exec grants serve --host 0.0.0.0 --port "$port" --workers "$workers" --proxy-headers "$@"
