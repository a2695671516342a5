#!/usr/bin/env bash
# Shared by deploy/backup.sh and deploy/restore.sh (sourced, not run): logging, reading an env
# file without executing it, and understanding DATABASE_URL. The caller sets PROG and HELP_END.

log() { printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$PROG" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
trap 'rc=$?; log "ERROR: command failed (exit $rc) at line $LINENO: $BASH_COMMAND"; exit $rc' ERR

# Prints the script's header comment (lines 2..HELP_END) as its help text.
usage() {
    sed -n "2,${HELP_END}p" "$0" | sed 's/^# \{0,1\}//'
}

# Read KEY=VALUE lines without executing the file (values may contain spaces, <, > or $).
load_env_file() {
    local file=$1 line key value
    [[ -r $file ]] || die "env file not readable: $file"
    while IFS= read -r line || [[ -n $line ]]; do
        line=${line%$'\r'}
        [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
        line=${line#"${line%%[![:space:]]*}"}
        line=${line#export }
        [[ $line == *=* ]] || die "$file: not a KEY=VALUE line: $line"
        key=${line%%=*}
        value=${line#*=}
        [[ $key =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "$file: bad variable name: $key"
        if [[ $value =~ ^\"(.*)\"$ || $value =~ ^\'(.*)\'$ ]]; then
            value=${BASH_REMATCH[1]}
        fi
        export "$key=$value"
    done <"$file"
}

mask_url() { sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#' <<<"$1"; }

# Sets DB_KIND (postgresql|sqlite) and DB_TARGET (libpq URL or SQLite file path).
parse_database_url() {
    local url=${DATABASE_URL:-}
    if [[ -z $url ]]; then
        DB_KIND=sqlite
        DB_TARGET=./var/grants.sqlite3
    elif [[ $url =~ ^postgres(ql)?(\+[A-Za-z0-9_]+)?://(.*)$ ]]; then
        DB_KIND=postgresql
        DB_TARGET="postgresql://${BASH_REMATCH[3]}"
    elif [[ $url =~ ^sqlite(\+[A-Za-z0-9_]+)?:///(.+)$ ]]; then
        DB_KIND=sqlite
        DB_TARGET=${BASH_REMATCH[2]%%\?*}
    else
        die "DATABASE_URL is neither postgresql://… nor sqlite:///…: $(mask_url "$url")"
    fi
}
