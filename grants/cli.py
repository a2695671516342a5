"""The `grants` command line: serve, migrate, load demo data, manage users, verify the audit trail."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Sequence

from sqlalchemy import text

DESCRIPTION = """公益创投管理平台 — grant and venture-competition management.

Settings come from the environment (DATABASE_URL, SECRET_KEY, GRANTS_ENV, ...);
see docs/configuration.md. Without DATABASE_URL the embedded SQLite database in
./var/grants.sqlite3 is used."""


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from grants.settings import get_settings

    get_settings()  # refuse unsafe production settings before binding a port
    uvicorn.run("grants.app:create_app", factory=True, host=args.host, port=args.port,
                workers=args.workers, proxy_headers=args.proxy_headers,
                forwarded_allow_ips="*" if args.proxy_headers else None,
                reload=args.reload, log_level="info")
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from grants import migrate
    from grants.db import get_engine

    migrate.upgrade(get_engine(), args.revision)
    print(f"database is at revision {args.revision}")
    return 0


def cmd_db_downgrade(args: argparse.Namespace) -> int:
    from grants import migrate
    from grants.db import get_engine

    migrate.downgrade(get_engine(), args.revision)
    print(f"database is at revision {args.revision}")
    return 0


def cmd_db_revision(args: argparse.Namespace) -> int:
    from grants import migrate
    from grants.db import get_engine

    migrate.revision(get_engine(), args.message)
    return 0


def cmd_db_check(_args: argparse.Namespace) -> int:
    from grants import migrate
    from grants.db import get_engine

    differences = migrate.pending_differences(get_engine())
    if differences:
        print("the models and the migrations disagree:")
        for difference in differences:
            print(f"  {difference}")
        return 1
    print("the models and the migrated database agree")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from grants.db import session_scope
    from grants.demo import data, load

    with session_scope() as session:
        if load.already_loaded(session):
            print("demo data is already loaded (the database has organisations); nothing done")
        else:
            counts = load.load(session)
            print("loaded demo data: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    if not args.quiet:
        print_logins(data)
    return 0


def print_logins(data: object) -> None:
    users = getattr(data, "USERS", [])
    password = getattr(data, "DEMO_PASSWORD", "")
    print(f"\nDemo logins (password for all: {password}):")
    for user in users:
        org = f" — {user['organisation']}" if user.get("organisation") else ""
        if user["role"] == "organiser":
            org = f" — scope: {user.get('scope') or 'platform-wide'}"
        print(f"  {user['role']:<10} {user['username']:<12} {user['display_name']}{org}")
    tour = getattr(data, "TOUR", ())
    if tour:
        print("\nWhat to try:")
        for who, what in tour:
            print(f"  {who:<10} {what}")


def cmd_create_user(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from grants.accounts import services
    from grants.audit import SYSTEM
    from grants.db import session_scope
    from grants.organisations.models import Organisation
    from grants.validation import FormErrors

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password again: "):
            print("the passwords differ", file=sys.stderr)
            return 2
    with session_scope() as session:
        org = None
        if args.organisation:
            org = session.execute(select(Organisation).where(
                Organisation.name == args.organisation)).scalar_one_or_none()
            if org is None:
                print(f"no organisation named {args.organisation!r}", file=sys.stderr)
                return 2
        scope_id = None
        if args.scope:
            from grants.regions.scope import region_named

            scope_id = region_named(session, args.scope)
            if scope_id is None:
                print(f"no district or street named {args.scope!r}", file=sys.stderr)
                return 2
        try:
            user = services.create_user(session, SYSTEM, username=args.username,
                                        display_name=args.display_name or args.username,
                                        role=args.role, password=password, email=args.email,
                                        organisation=org, is_owner=args.owner,
                                        scope_region_id=scope_id)
        except FormErrors as exc:
            for field, message in exc.errors.items():
                print(f"{field}: {message}", file=sys.stderr)
            return 2
        print(f"created {user.role} {user.username}")
    return 0


def cmd_audit_verify(_args: argparse.Namespace) -> int:
    from grants import audit
    from grants.db import session_scope

    with session_scope() as session:
        result = audit.verify(session)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if result.ok:
        print(f"audit trail intact: {result.checked} events checked, sealed, and consistent "
              f"with {result.checkpoints} checkpoint(s)")
        return 0
    print(f"audit trail BROKEN: {len(result.problems)} problem(s) in {result.checked} events")
    for problem in result.problems:
        print(f"  {problem}")
    return 1


def cmd_audit_checkpoint(_args: argparse.Namespace) -> int:
    from grants import audit
    from grants.db import session_scope

    with session_scope() as session:
        try:
            checkpoint = audit.write_checkpoint(session)
        except ValueError as exc:
            print(f"audit trail BROKEN, no checkpoint written: {exc}", file=sys.stderr)
            return 1
    print(f"checkpoint written: {checkpoint.count} events, head {checkpoint.head[:16]}…, "
          f"{checkpoint.path}")
    return 0


def cmd_mail_send(_args: argparse.Namespace) -> int:
    from grants.db import session_scope
    from grants.notifications.services import send_pending
    from grants.settings import get_settings

    settings = get_settings()
    if not settings.mail_host:
        print("MAIL_HOST is not set: messages stay in the outbox", file=sys.stderr)
        return 1
    with session_scope() as session:
        sent, failed = send_pending(session, settings)
    print(f"sent {sent} message(s); {failed} failed and will be retried")
    return 1 if failed else 0


def cmd_jobs_run(args: argparse.Namespace) -> int:
    from datetime import date

    from grants import jobs

    day = None
    if args.day:
        try:
            day = date.fromisoformat(args.day) if len(args.day) == 10 else None
        except ValueError:
            day = None
        if day is None:
            print(f"--day: not a date like 2027-04-12: {args.day!r}", file=sys.stderr)
            return 2
        print(f"acting as on {day.isoformat()}: reminders and late decisions are real",
              file=sys.stderr)
    counts = jobs.run(day)
    print("; ".join(f"{name}: {n}" for name, n in counts.items()))
    return 0


def cmd_check(_args: argparse.Namespace) -> int:
    from grants.db import get_engine
    from grants.settings import SettingsError, get_settings

    try:
        settings = get_settings()
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except SettingsError as exc:
        print(f"configuration refused: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        print(f"database unreachable: {exc}", file=sys.stderr)
        return 1
    print(f"ok: {settings.env}, database {settings.database_url.split('@')[-1]}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grants", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = sub.add_parser("serve", help="serve the web application with uvicorn")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument("--proxy-headers", action="store_true",
                       help="trust X-Forwarded-* headers from a reverse proxy")
    serve.add_argument("--reload", action="store_true", help="restart on code changes (development)")
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database schema migrations")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = db_sub.add_parser("upgrade", help="migrate the database to the newest schema")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(func=cmd_db_upgrade)
    down = db_sub.add_parser("downgrade", help="migrate back to an earlier revision")
    down.add_argument("revision")
    down.set_defaults(func=cmd_db_downgrade)
    rev = db_sub.add_parser("revision", help="write a migration from model changes (developers)")
    rev.add_argument("-m", "--message", required=True)
    rev.set_defaults(func=cmd_db_revision)
    chk = db_sub.add_parser("check", help="fail when the models and the migrations disagree")
    chk.set_defaults(func=cmd_db_check)

    demo = sub.add_parser("demo", help="load demo data drawn from real reports and print logins")
    demo.add_argument("--quiet", action="store_true", help="do not print the demo logins")
    demo.set_defaults(func=cmd_demo)

    user = sub.add_parser("create-user", help="create a user (asks for the password)")
    user.add_argument("--username", required=True)
    user.add_argument("--role", required=True,
                      choices=["organiser", "applicant", "judge", "finance", "funder"])
    user.add_argument("--display-name", default="")
    user.add_argument("--email", default="")
    user.add_argument("--organisation", default="", help="organisation name (applicants, funders)")
    user.add_argument("--owner", action="store_true", help="make the user the organisation's owner")
    user.add_argument("--scope", default="",
                      help="an organiser's scope: a district or street name (default: platform-wide)")
    user.add_argument("--password-stdin", action="store_true",
                      help="read the password from standard input (scripts)")
    user.set_defaults(func=cmd_create_user)

    audit_cmd = sub.add_parser("audit", help="the audit trail")
    audit_sub = audit_cmd.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = audit_sub.add_parser("verify", help="check the hash chain, the seals and the "
                                                 "checkpoints; exit 1 if anything is wrong")
    verify.set_defaults(func=cmd_audit_verify)
    checkpoint = audit_sub.add_parser(
        "checkpoint", help="write a signed checkpoint of the chain to AUDIT_CHECKPOINT_DIR "
                           "(run it from a timer); exit 1 if the chain is broken")
    checkpoint.set_defaults(func=cmd_audit_checkpoint)

    mail = sub.add_parser("mail", help="the e-mail outbox")
    mail_sub = mail.add_subparsers(dest="mail_command", metavar="ACTION", required=True)
    send = mail_sub.add_parser("send", help="send queued messages through MAIL_HOST (cron this)")
    send.set_defaults(func=cmd_mail_send)

    jobs_cmd = sub.add_parser("jobs", help="background jobs: report reminders, late reports, "
                              "evaluators' digests")
    jobs_sub = jobs_cmd.add_subparsers(dest="jobs_command", metavar="ACTION", required=True)
    run_jobs = jobs_sub.add_parser("run", help="run every job once (safe every few minutes, "
                                   "even when runs overlap)")
    run_jobs.add_argument("--day", help="act as if today were this date (YYYY-MM-DD); this is "
                          "not a dry run: use it on a copy of the data")
    run_jobs.set_defaults(func=cmd_jobs_run)

    check = sub.add_parser("check", help="validate the configuration and reach the database")
    check.set_defaults(func=cmd_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from grants.settings import SettingsError

    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except SettingsError as exc:
        print(f"configuration refused: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
