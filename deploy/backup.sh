#!/usr/bin/env bash
# 公益创投管理平台 — backup (备份) of the database and the uploaded files.
#
# Usage: deploy/backup.sh [--env-file FILE] [--keep N] [TARGET_DIR]
#
# Writes TARGET_DIR/grants-backup-<UTC timestamp>.tar.gz containing one folder with
#   database.dump      PostgreSQL: pg_dump --format=custom
#   database.sqlite3   SQLite: a consistent copy made with sqlite3's online backup API
#   uploads.tar        the whole of UPLOAD_DIR
#   backup-info        what was backed up, from where and when
#   MANIFEST.sha256    sha256 sums of all the above (checked by restore.sh)
# then deletes all but the newest N archives in TARGET_DIR (BACKUP_KEEP, default 14; 0 keeps all).
#
# Settings come from the environment, or from an env file given with --env-file
# (KEY=VALUE lines, as in deploy/env.example; values in the file win):
#   DATABASE_URL  postgresql://user:pass@host:5432/db, or sqlite:///relative/path, or unset
#                 for SQLite at ./var/grants.sqlite3 (relative to the current directory)
#   UPLOAD_DIR    default ./var/uploads
#   BACKUP_DIR    target folder when no TARGET_DIR argument is given
#   BACKUP_KEEP   how many archives to keep (default 14)
#   PYTHON        interpreter used for the SQLite copy (default python3)
set -euo pipefail
umask 077

PROG=backup
HELP_END=22
# shellcheck source=deploy/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TARGET_DIR=""
KEEP_ARG=""
while [[ $# -gt 0 ]]; do
    case $1 in
        --env-file) [[ $# -ge 2 ]] || die "--env-file needs a file"; load_env_file "$2"; shift 2 ;;
        --env-file=*) load_env_file "${1#*=}"; shift ;;
        --keep) [[ $# -ge 2 ]] || die "--keep needs a number"; KEEP_ARG=$2; shift 2 ;;
        --keep=*) KEEP_ARG=${1#*=}; shift ;;
        -h | --help) usage; exit 0 ;;
        -*) die "unknown option: $1 (see --help)" ;;
        *) [[ -z $TARGET_DIR ]] || die "only one TARGET_DIR may be given"; TARGET_DIR=$1; shift ;;
    esac
done

TARGET_DIR=${TARGET_DIR:-${BACKUP_DIR:-}}
[[ -n $TARGET_DIR ]] || die "no target folder: give one as an argument or set BACKUP_DIR"
KEEP=${KEEP_ARG:-${BACKUP_KEEP:-14}}
[[ $KEEP =~ ^[0-9]+$ ]] || die "BACKUP_KEEP / --keep must be a whole number, not '$KEEP'"
UPLOAD_DIR=${UPLOAD_DIR:-./var/uploads}
PYTHON=${PYTHON:-python3}
parse_database_url

for tool in tar gzip sha256sum date; do
    command -v "$tool" >/dev/null || die "required tool not found: $tool"
done

mkdir -p -- "$TARGET_DIR" || die "cannot create target folder $TARGET_DIR"
[[ -w $TARGET_DIR ]] || die "target folder is not writable: $TARGET_DIR"
TARGET_DIR=$(cd -- "$TARGET_DIR" && pwd)

# One archive per second at most: wait rather than produce names that sort wrongly.
while :; do
    STAMP=$(date -u +%Y%m%dT%H%M%SZ)
    NAME=grants-backup-$STAMP
    [[ -e $TARGET_DIR/$NAME.tar.gz ]] || break
    sleep 1
done

STAGING=$(mktemp -d "$TARGET_DIR/.${NAME}.XXXXXX")
cleanup() { rm -rf -- "$STAGING"; }
trap cleanup EXIT
WORK=$STAGING/$NAME
mkdir -- "$WORK"

log "writing $TARGET_DIR/$NAME.tar.gz"
case $DB_KIND in
    postgresql)
        command -v pg_dump >/dev/null || die "pg_dump not found (install postgresql-client-15)"
        log "dumping PostgreSQL database $(mask_url "$DB_TARGET") with pg_dump --format=custom"
        pg_dump --format=custom --no-password --file="$WORK/database.dump" "$DB_TARGET" \
            || die "pg_dump failed (is the database reachable and the password in DATABASE_URL right?)"
        DB_FILE=database.dump
        ;;
    sqlite)
        [[ -f $DB_TARGET ]] || die "SQLite database not found: $DB_TARGET (set DATABASE_URL, or run from the folder holding var/)"
        command -v "$PYTHON" >/dev/null || die "$PYTHON not found (needed to copy the SQLite database)"
        log "copying SQLite database $DB_TARGET with the online backup API"
        "$PYTHON" - "$DB_TARGET" "$WORK/database.sqlite3" <<'PY' || die "SQLite copy failed"
import sqlite3
import sys

src = sqlite3.connect(sys.argv[1])
dst = sqlite3.connect(sys.argv[2])
try:
    src.backup(dst)
    result = dst.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        sys.exit(f"integrity check of the copy failed: {result}")
finally:
    dst.close()
    src.close()
PY
        DB_FILE=database.sqlite3
        ;;
esac

if [[ -d $UPLOAD_DIR ]]; then
    log "archiving uploads from $UPLOAD_DIR"
    tar -C "$UPLOAD_DIR" --numeric-owner -cf "$WORK/uploads.tar" . || die "could not archive $UPLOAD_DIR"
    UPLOADS_STATE=present
else
    log "WARNING: upload folder $UPLOAD_DIR does not exist; storing an empty uploads.tar"
    tar -cf "$WORK/uploads.tar" -T /dev/null
    UPLOADS_STATE=absent
fi

{
    echo "format=1"
    echo "created=$STAMP"
    echo "host=$(hostname 2>/dev/null || echo unknown)"
    echo "database_kind=$DB_KIND"
    echo "database_file=$DB_FILE"
    if [[ $DB_KIND == postgresql ]]; then
        echo "database_source=$(mask_url "$DB_TARGET")"
    else
        echo "database_source=$DB_TARGET"
    fi
    echo "upload_dir=$UPLOAD_DIR"
    echo "uploads=$UPLOADS_STATE"
} >"$WORK/backup-info"

(cd "$WORK" && sha256sum -- "$DB_FILE" uploads.tar backup-info >MANIFEST.sha256)

tar -C "$STAGING" -czf "$STAGING/$NAME.tar.gz" "$NAME"
mv -- "$STAGING/$NAME.tar.gz" "$TARGET_DIR/$NAME.tar.gz"
SIZE=$(du -h -- "$TARGET_DIR/$NAME.tar.gz" | cut -f1)
log "done: $TARGET_DIR/$NAME.tar.gz ($SIZE)"

if [[ $KEEP -gt 0 ]]; then
    mapfile -t OLD < <(
        find "$TARGET_DIR" -maxdepth 1 -type f -name 'grants-backup-*T*Z.tar.gz' -printf '%f\n' \
            | sort -r | tail -n +"$((KEEP + 1))"
    )
    for old in "${OLD[@]}"; do
        log "removing old backup $old (keeping the newest $KEEP)"
        rm -f -- "${TARGET_DIR:?}/$old"
    done
fi
