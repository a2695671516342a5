#!/usr/bin/env bash
# 公益创投管理平台 — restore (恢复) a backup made by deploy/backup.sh.
#
# Usage: deploy/restore.sh [--env-file FILE] [--force] [--verify-only] ARCHIVE.tar.gz
#
#   --verify-only  check the archive's sha256 manifest and contents, change nothing
#   --force        restore even though the database or the upload folder is not empty
#                  (without it, restore only into an empty database and upload folder)
#
# Stop the application first (docker compose stop app / systemctl stop grants).
# What it does:
#   1. unpacks the archive into a temporary folder and checks every file against MANIFEST.sha256;
#   2. refuses to go on if the target database or upload folder holds data, unless --force;
#   3. PostgreSQL: pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction;
#      SQLite: moves the old file (and its -wal/-shm) aside as <file>.before-restore-<time>,
#      then puts the restored copy in its place;
#   4. moves the old uploads aside to <UPLOAD_DIR>.before-restore-<time> (or into
#      RESTORE_ASIDE_DIR if set) and unpacks the backed-up uploads into UPLOAD_DIR.
#
# Settings come from the environment, or from an env file given with --env-file
# (values in the file win): DATABASE_URL (unset: SQLite at ./var/grants.sqlite3),
# UPLOAD_DIR (default ./var/uploads), RESTORE_ASIDE_DIR, PYTHON (default python3).
set -euo pipefail
umask 027

PROG=restore
HELP_END=22
# shellcheck source=deploy/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ARCHIVE=""
FORCE=0
VERIFY_ONLY=0
while [[ $# -gt 0 ]]; do
    case $1 in
        --env-file) [[ $# -ge 2 ]] || die "--env-file needs a file"; load_env_file "$2"; shift 2 ;;
        --env-file=*) load_env_file "${1#*=}"; shift ;;
        --force) FORCE=1; shift ;;
        --verify-only) VERIFY_ONLY=1; shift ;;
        -h | --help) usage; exit 0 ;;
        -*) die "unknown option: $1 (see --help)" ;;
        *) [[ -z $ARCHIVE ]] || die "only one archive may be given"; ARCHIVE=$1; shift ;;
    esac
done
[[ -n $ARCHIVE ]] || die "no archive given (usage: restore.sh [--env-file FILE] [--force] [--verify-only] ARCHIVE.tar.gz)"
[[ -f $ARCHIVE && -r $ARCHIVE ]] || die "archive not found or not readable: $ARCHIVE"

UPLOAD_DIR=${UPLOAD_DIR:-./var/uploads}
PYTHON=${PYTHON:-python3}
parse_database_url
for tool in tar gzip sha256sum; do
    command -v "$tool" >/dev/null || die "required tool not found: $tool"
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/grants-restore.XXXXXX")
cleanup() { rm -rf -- "$TMP"; }
trap cleanup EXIT

# ---- 1. unpack and verify -------------------------------------------------------------------
log "checking archive $ARCHIVE"
tar -tzf "$ARCHIVE" >"$TMP/listing" 2>"$TMP/tar-errors" \
    || die "cannot read $ARCHIVE as a .tar.gz: $(head -c 300 "$TMP/tar-errors")"
if grep -Eq '(^/|(^|/)\.\.(/|$))' "$TMP/listing"; then
    die "archive contains absolute or '..' paths; refusing to unpack it"
fi
mkdir "$TMP/x"
tar -C "$TMP/x" --no-same-owner -xzf "$ARCHIVE" || die "cannot unpack $ARCHIVE"
mapfile -t TOPS < <(find "$TMP/x" -mindepth 1 -maxdepth 1)
[[ ${#TOPS[@]} -eq 1 && -d ${TOPS[0]} ]] || die "archive should hold exactly one grants-backup-* folder"
B=${TOPS[0]}
[[ -f $B/MANIFEST.sha256 ]] || die "archive has no MANIFEST.sha256; was it made by backup.sh?"

if ! (cd "$B" && sha256sum --check --strict --quiet MANIFEST.sha256) >"$TMP/check" 2>&1; then
    die "checksum verification FAILED — the archive is damaged or was altered: $(tr '\n' ' ' <"$TMP/check")"
fi
# Every file must be listed: a file slipped into the archive is as suspect as a changed one.
sed -E 's/^[0-9a-f]{64} [ *]//' "$B/MANIFEST.sha256" >"$TMP/listed"
while IFS= read -r f; do
    f=${f#./}
    [[ $f == MANIFEST.sha256 ]] && continue
    grep -Fxq -- "$f" "$TMP/listed" || die "file $f is in the archive but not in its manifest; refusing it"
done < <(cd "$B" && find . -type f)
for f in uploads.tar backup-info; do
    [[ -f $B/$f ]] || die "archive lacks $f"
done
BACKUP_KIND=$(sed -n 's/^database_kind=//p' "$B/backup-info")
BACKUP_CREATED=$(sed -n 's/^created=//p' "$B/backup-info")
case $BACKUP_KIND in
    postgresql) DB_FILE=database.dump ;;
    sqlite) DB_FILE=database.sqlite3 ;;
    *) die "backup-info names an unknown database kind: '$BACKUP_KIND'" ;;
esac
[[ -f $B/$DB_FILE ]] || die "archive lacks $DB_FILE"
log "checksums OK: $BACKUP_KIND backup made $BACKUP_CREATED"

if [[ $BACKUP_KIND == postgresql ]] && command -v pg_restore >/dev/null; then
    pg_restore --list "$B/$DB_FILE" >/dev/null || die "database.dump is not a readable pg_dump archive"
fi
if [[ $VERIFY_ONLY == 1 ]]; then
    tar -tf "$B/uploads.tar" >/dev/null || die "uploads.tar is not readable"
    log "verify only: archive is complete and intact; nothing was changed"
    exit 0
fi

[[ $BACKUP_KIND == "$DB_KIND" ]] \
    || die "this is a $BACKUP_KIND backup but DATABASE_URL points to $DB_KIND; restore it into a $BACKUP_KIND database (or convert by hand)"

# ---- 2. refuse to overwrite data unless --force ---------------------------------------------
DB_HAS_DATA=0
case $DB_KIND in
    postgresql)
        command -v psql >/dev/null || die "psql not found (install postgresql-client-15)"
        command -v pg_restore >/dev/null || die "pg_restore not found (install postgresql-client-15)"
        tables=$(psql "$DB_TARGET" --no-password -XAtq -c \
            "select count(*) from pg_catalog.pg_tables where schemaname not in ('pg_catalog','information_schema')") \
            || die "cannot connect to $(mask_url "$DB_TARGET")"
        if [[ $tables -gt 0 ]]; then DB_HAS_DATA=1; fi
        log "target database $(mask_url "$DB_TARGET") has $tables table(s)"
        ;;
    sqlite)
        command -v "$PYTHON" >/dev/null || die "$PYTHON not found (needed to check SQLite files)"
        if [[ -s $DB_TARGET ]]; then
            DB_HAS_DATA=1
            log "target SQLite database $DB_TARGET exists and is not empty"
        else
            log "target SQLite database $DB_TARGET is absent or empty"
        fi
        ;;
esac
UPLOADS_HAVE_DATA=0
if [[ -d $UPLOAD_DIR ]] && [[ -n $(find "$UPLOAD_DIR" -mindepth 1 -print -quit) ]]; then
    UPLOADS_HAVE_DATA=1
    log "upload folder $UPLOAD_DIR is not empty"
fi
if [[ $FORCE != 1 ]] && [[ $DB_HAS_DATA == 1 || $UPLOADS_HAVE_DATA == 1 ]]; then
    die "refusing to overwrite existing data (database and/or $UPLOAD_DIR); take a backup of it first, then run again with --force"
fi

NOW=$(date -u +%Y%m%dT%H%M%SZ)

# ---- 3. database -----------------------------------------------------------------------------
case $DB_KIND in
    postgresql)
        log "restoring into $(mask_url "$DB_TARGET") with pg_restore --clean --if-exists --no-owner"
        pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction \
            --exit-on-error --no-password --dbname="$DB_TARGET" "$B/$DB_FILE" \
            || die "pg_restore failed; the transaction was rolled back and the database is unchanged"
        ;;
    sqlite)
        target_dir=$(dirname -- "$DB_TARGET")
        mkdir -p -- "$target_dir"
        tmpdb=$(mktemp "$target_dir/.restore.XXXXXX")
        cp -- "$B/$DB_FILE" "$tmpdb"
        "$PYTHON" - "$tmpdb" <<'PY' || { rm -f -- "$tmpdb"; die "the restored SQLite file fails its integrity check"; }
import sqlite3
import sys

con = sqlite3.connect(sys.argv[1])
try:
    result = con.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        sys.exit(result)
finally:
    con.close()
PY
        # Keep the owner and mode of the file being replaced (or of its folder): the
        # application user must still be able to write the database after a restore as root.
        ref=$DB_TARGET
        [[ -e $ref ]] || ref=$target_dir
        chmod --reference="$ref" "$tmpdb" 2>/dev/null || true
        [[ -d $ref ]] && chmod a-x "$tmpdb"
        chown --reference="$ref" "$tmpdb" 2>/dev/null || true
        for suffix in "" -wal -shm -journal; do
            if [[ -e $DB_TARGET$suffix ]]; then
                log "moving old $DB_TARGET$suffix aside to $DB_TARGET$suffix.before-restore-$NOW"
                mv -- "$DB_TARGET$suffix" "$DB_TARGET$suffix.before-restore-$NOW"
            fi
        done
        mv -- "$tmpdb" "$DB_TARGET"
        log "restored SQLite database to $DB_TARGET"
        ;;
esac

# ---- 4. uploads ------------------------------------------------------------------------------
if [[ $UPLOADS_HAVE_DATA == 1 ]]; then
    if [[ -n ${RESTORE_ASIDE_DIR:-} ]]; then
        aside=${RESTORE_ASIDE_DIR%/}/uploads.before-restore-$NOW
    else
        aside=${UPLOAD_DIR%/}.before-restore-$NOW
    fi
    log "moving old uploads aside to $aside"
    mkdir -p -- "$aside"
    # Move the contents, not the folder: UPLOAD_DIR may be a mount point.
    find "$UPLOAD_DIR" -mindepth 1 -maxdepth 1 -exec mv -t "$aside" -- {} + \
        || die "could not move the old uploads aside to $aside"
fi
mkdir -p -- "$UPLOAD_DIR"
log "unpacking uploads into $UPLOAD_DIR"
tar_opts=()
if [[ $(id -u) == 0 ]]; then tar_opts+=(--numeric-owner); else tar_opts+=(--no-same-owner); fi
tar -C "$UPLOAD_DIR" "${tar_opts[@]}" -xf "$B/uploads.tar" || die "could not unpack the uploads into $UPLOAD_DIR"

log "done: restored the $BACKUP_KIND backup of $BACKUP_CREATED"
log "next: run 'grants db upgrade' if the backup is from an older version, then start the application"
