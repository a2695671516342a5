"""The `grants` command line, run as a user would run it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def grants(*args, env_extra=None, stdin=None):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TEST_DATABASE_URL"}}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "grants.cli", *args], cwd=ROOT, env=env,
                          input=stdin, capture_output=True, text=True, timeout=120)


@pytest.fixture
def db_env(tmp_path):
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}", "GRANTS_ENV": "test",
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            "AUDIT_CHECKPOINT_DIR": str(tmp_path / "audit-checkpoints")}


def test_help_explains_every_command():
    result = grants("--help")
    assert result.returncode == 0
    for command in ("serve", "db", "demo", "create-user", "audit", "mail", "check"):
        assert command in result.stdout


def test_upgrade_demo_verify_and_tamper(db_env, tmp_path):
    assert grants("db", "upgrade", env_extra=db_env).returncode == 0
    assert "agree" in grants("db", "check", env_extra=db_env).stdout
    demo = grants("demo", env_extra=db_env)
    assert demo.returncode == 0, demo.stderr
    assert "organiser" in demo.stdout and "demo-pass-2026" in demo.stdout
    again = grants("demo", "--quiet", env_extra=db_env)
    assert "already loaded" in again.stdout
    verified = grants("audit", "verify", env_extra=db_env)
    assert verified.returncode == 0 and "intact" in verified.stdout

    import sqlite3

    with sqlite3.connect(tmp_path / "cli.sqlite3") as raw:
        raw.execute("DROP TRIGGER audit_event_no_update")
        raw.execute("UPDATE audit_event SET actor_name = 'mallory' WHERE id = 5")
    broken = grants("audit", "verify", env_extra=db_env)
    assert broken.returncode == 1
    assert "event 5" in broken.stdout


def test_checkpoint_then_deleting_every_event_fails_verification(db_env, tmp_path):
    assert grants("db", "upgrade", env_extra=db_env).returncode == 0
    assert grants("demo", "--quiet", env_extra=db_env).returncode == 0
    unanchored = grants("audit", "verify", env_extra=db_env)
    assert unanchored.returncode == 0 and "no checkpoint" in unanchored.stderr
    written = grants("audit", "checkpoint", env_extra=db_env)
    assert written.returncode == 0, written.stderr
    assert len(list((tmp_path / "audit-checkpoints").glob("checkpoint-*.json"))) == 1
    assert "1 checkpoint" in grants("audit", "verify", env_extra=db_env).stdout

    import sqlite3

    with sqlite3.connect(tmp_path / "cli.sqlite3") as raw:
        raw.execute("DROP TRIGGER audit_event_no_delete")
        raw.execute("DELETE FROM audit_event")
    emptied = grants("audit", "verify", env_extra=db_env)
    assert emptied.returncode == 1
    assert "events were deleted" in emptied.stdout
    refused = grants("audit", "checkpoint", env_extra=db_env)
    assert refused.returncode == 1 and "no checkpoint written" in refused.stderr


def test_create_user_reads_the_password_from_stdin(db_env):
    grants("db", "upgrade", env_extra=db_env)
    made = grants("create-user", "--username", "admin", "--role", "organiser",
                  "--display-name", "街道管理员", "--password-stdin", env_extra=db_env,
                  stdin="a-long-pass-2026\n")
    assert made.returncode == 0, made.stderr
    weak = grants("create-user", "--username", "weak", "--role", "judge", "--password-stdin",
                  env_extra=db_env, stdin="123\n")
    assert weak.returncode == 2
    assert "password" in weak.stderr
    duplicate = grants("create-user", "--username", "admin", "--role", "judge",
                       "--password-stdin", env_extra=db_env, stdin="a-long-pass-2026\n")
    assert duplicate.returncode == 2 and "username" in duplicate.stderr


def test_production_refuses_to_start_with_the_default_secret(db_env):
    result = grants("check", env_extra={**db_env, "GRANTS_ENV": "production"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_mail_send_without_a_server_says_so(db_env):
    grants("db", "upgrade", env_extra=db_env)
    result = grants("mail", "send", env_extra=db_env)
    assert result.returncode == 1
    assert "MAIL_HOST" in result.stderr
