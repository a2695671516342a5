"""The deployment files: backup.sh / restore.sh run for real, shell syntax, compose.yaml shape.

Self-contained: no conftest fixtures, only pytest's tmp_path.
"""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
BACKUP = DEPLOY / "backup.sh"
RESTORE = DEPLOY / "restore.sh"
PG_BIN = Path("/usr/lib/postgresql/15/bin")

_SCRUB = ("DATABASE_URL", "UPLOAD_DIR", "BACKUP_DIR", "BACKUP_KEEP", "RESTORE_ASIDE_DIR")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB and not k.startswith("PG")}
    env.update(extra)
    return env


def _run(script: Path, *args: str, cwd: Path, env: dict[str, str] | None = None):
    return subprocess.run(
        ["bash", str(script), *args],
        cwd=cwd,
        env=env if env is not None else _env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _make_site(site: Path) -> tuple[Path, Path]:
    """A SQLite database with rows and an upload folder, at the default ./var locations."""
    db = site / "var" / "grants.sqlite3"
    uploads = site / "var" / "uploads"
    (uploads / "2024" / "申请材料").mkdir(parents=True)
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE project (id INTEGER PRIMARY KEY, name TEXT, budget INTEGER)")
    con.executemany(
        "INSERT INTO project (name, budget) VALUES (?, ?)",
        [(f"社区养老服务项目 {i}", 10_000 + i) for i in range(50)],
    )
    con.commit()
    con.close()
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 8
    (uploads / "2024" / "申请材料" / "项目申请书.pdf").write_bytes(pdf)
    (uploads / "2024" / "budget.xlsx").write_bytes(os.urandom(3000))
    (uploads / "readme.txt").write_text("公益创投\n", encoding="utf-8")
    return db, uploads


def _rows(db: Path) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT id, name, budget FROM project ORDER BY id").fetchall()
    finally:
        con.close()


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _only_archive(folder: Path) -> Path:
    archives = sorted(folder.glob("grants-backup-*.tar.gz"))
    assert len(archives) == 1, archives
    return archives[0]


def test_shell_scripts_parse():
    scripts = sorted(DEPLOY.glob("*.sh"))
    assert {p.name for p in scripts} >= {"backup.sh", "restore.sh", "entrypoint.sh"}
    for script in scripts:
        result = subprocess.run(
            ["bash", "-n", str(script)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"{script.name}: {result.stderr}"


def test_sqlite_backup_and_restore_round_trip(tmp_path):
    site = tmp_path / "site"
    db, uploads = _make_site(site)
    rows_before = _rows(db)
    files_before = _snapshot(uploads)
    backups = tmp_path / "backups"

    result = _run(BACKUP, str(backups), cwd=site)
    assert result.returncode == 0, result.stderr
    archive = _only_archive(backups)
    with tarfile.open(archive) as tar:
        names = {Path(n).name for n in tar.getnames()}
    assert {"database.sqlite3", "uploads.tar", "MANIFEST.sha256", "backup-info"} <= names

    # Disaster: the database is overwritten with garbage and uploads are lost or changed.
    db.write_bytes(b"this is not a database")
    shutil.rmtree(uploads / "2024")
    (uploads / "readme.txt").write_text("changed", encoding="utf-8")
    (uploads / "stray.bin").write_bytes(b"x")

    refused = _run(RESTORE, str(archive), cwd=site)
    assert refused.returncode != 0
    assert "--force" in refused.stderr
    assert db.read_bytes() == b"this is not a database"  # nothing was touched

    result = _run(RESTORE, "--force", str(archive), cwd=site)
    assert result.returncode == 0, result.stderr
    assert _rows(db) == rows_before
    assert _snapshot(uploads) == files_before
    # The replaced data was moved aside, not deleted.
    aside_db = list(db.parent.glob("grants.sqlite3.before-restore-*"))
    assert [p.read_bytes() for p in aside_db] == [b"this is not a database"]
    aside_uploads = list(site.joinpath("var").glob("uploads.before-restore-*"))
    assert len(aside_uploads) == 1
    assert (aside_uploads[0] / "stray.bin").read_bytes() == b"x"


def test_env_file_and_restore_into_empty_target(tmp_path):
    site = tmp_path / "site"
    db, uploads = _make_site(site)
    env_file = tmp_path / "grants.env"
    env_file.write_text(
        "# comment\n"
        f"DATABASE_URL=sqlite:///{db}\n"
        f'UPLOAD_DIR="{uploads}"\n'
        "MAIL_FROM=公益创投 <noreply@example.org>\n",
        encoding="utf-8",
    )
    backups = tmp_path / "backups"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = _run(BACKUP, "--env-file", str(env_file), str(backups), cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    archive = _only_archive(backups)

    verify = _run(RESTORE, "--verify-only", str(archive), cwd=elsewhere)
    assert verify.returncode == 0, verify.stderr

    # A fresh machine: nothing at the target yet, so no --force is needed.
    new = tmp_path / "new"
    new_env = _env(
        DATABASE_URL=f"sqlite:///{new / 'db' / 'grants.sqlite3'}", UPLOAD_DIR=str(new / "uploads")
    )
    result = _run(RESTORE, str(archive), cwd=elsewhere, env=new_env)
    assert result.returncode == 0, result.stderr
    assert _rows(new / "db" / "grants.sqlite3") == _rows(db)
    assert _snapshot(new / "uploads") == _snapshot(uploads)


def _rewrite_archive(archive: Path, change=lambda name, data: data, extra=()) -> None:
    """Rebuild the archive with change(name, data) applied and (name, data) extra files added."""
    members = []
    with tarfile.open(archive) as tar:
        for m in tar.getmembers():
            data = tar.extractfile(m).read() if m.isfile() else None
            members.append((m, data))
    with tarfile.open(archive, "w:gz") as tar:
        for m, data in members:
            if data is None:
                tar.addfile(m)
                continue
            data = change(m.name, data)
            m.size = len(data)
            tar.addfile(m, io.BytesIO(data))
        top = members[0][0].name.split("/")[0]
        for name, data in extra:
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_restore_refuses_tampered_archive(tmp_path):
    site = tmp_path / "site"
    db, _uploads = _make_site(site)
    backups = tmp_path / "backups"
    assert _run(BACKUP, str(backups), cwd=site).returncode == 0
    archive = _only_archive(backups)
    db_bytes = db.read_bytes()

    def flip_a_byte(name, data):
        if name.endswith("database.sqlite3"):
            return data[:-1] + bytes([data[-1] ^ 0xFF])
        return data

    tampered = tmp_path / "tampered.tar.gz"
    shutil.copy(archive, tampered)
    _rewrite_archive(tampered, flip_a_byte)
    result = _run(RESTORE, "--force", str(tampered), cwd=site)
    assert result.returncode != 0
    assert "checksum" in result.stderr.lower()
    assert db.read_bytes() == db_bytes
    verify = _run(RESTORE, "--verify-only", str(tampered), cwd=site)
    assert verify.returncode != 0

    smuggled = tmp_path / "smuggled.tar.gz"
    shutil.copy(archive, smuggled)
    _rewrite_archive(smuggled, extra=[("evil.sh", b"#!/bin/sh\n")])
    result = _run(RESTORE, "--force", str(smuggled), cwd=site)
    assert result.returncode != 0
    assert "manifest" in result.stderr.lower()

    not_an_archive = tmp_path / "junk.tar.gz"
    not_an_archive.write_bytes(b"junk")
    result = _run(RESTORE, "--force", str(not_an_archive), cwd=site)
    assert result.returncode != 0
    assert "ERROR" in result.stderr


def test_backup_keeps_newest_n_and_fails_clearly(tmp_path):
    site = tmp_path / "site"
    _make_site(site)
    backups = tmp_path / "backups"
    backups.mkdir()
    for day in ("20200101", "20200102", "20200103"):
        (backups / f"grants-backup-{day}T000000Z.tar.gz").write_bytes(b"old")
    (backups / "notes.txt").write_text("keep me", encoding="utf-8")

    result = _run(BACKUP, cwd=site, env=_env(BACKUP_DIR=str(backups), BACKUP_KEEP="2"))
    assert result.returncode == 0, result.stderr
    left = sorted(p.name for p in backups.iterdir())
    assert len(left) == 3
    assert left[0] == "grants-backup-20200103T000000Z.tar.gz"
    assert left[1].startswith("grants-backup-20") and left[1] != left[0]
    assert left[2] == "notes.txt"

    empty = tmp_path / "empty"
    empty.mkdir()
    result = _run(BACKUP, str(backups), cwd=empty)
    assert result.returncode != 0
    assert "SQLite database not found" in result.stderr
    result = _run(BACKUP, cwd=site)  # no target folder
    assert result.returncode != 0
    assert "BACKUP_DIR" in result.stderr
    result = _run(BACKUP, str(backups), cwd=site, env=_env(DATABASE_URL="mysql://x@y/z"))
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def _compose_ok(compose: dict) -> None:
    services = compose["services"]
    assert {"db", "app", "proxy", "backup"} <= set(services)
    assert "ports" not in services["app"], "the app must not be published on the host"
    assert services["app"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert "pg_isready" in str(services["db"]["healthcheck"]["test"])
    assert services["db"]["image"].startswith("postgres:15")
    assert services["proxy"]["image"].startswith("nginx:1.27")
    assert any("127.0.0.1" in str(p) for p in services["proxy"]["ports"])
    assert services["backup"]["profiles"] == ["backup"]


def test_compose_file_parses(tmp_path):
    compose_file = DEPLOY / "compose.yaml"
    try:
        import yaml
    except ImportError:
        yaml = None
    if yaml is not None:
        _compose_ok(yaml.safe_load(compose_file.read_text(encoding="utf-8")))
    docker = shutil.which("docker")
    has_compose = (
        docker
        and subprocess.run(
            [docker, "compose", "version"], capture_output=True, check=False
        ).returncode
        == 0
    )
    if not has_compose:
        if yaml is None:
            pytest.skip("neither PyYAML nor the docker compose plugin is available")
        return
    # A copy with a .env made from env.example, so the checkout's deploy/.env is never needed.
    copy = tmp_path / "deploy"
    shutil.copytree(DEPLOY, copy, ignore=shutil.ignore_patterns(".env", "backups"))
    shutil.copy(DEPLOY / "env.example", copy / ".env")
    result = subprocess.run(
        [
            docker,
            "compose",
            "-f",
            str(copy / "compose.yaml"),
            "--profile",
            "backup",
            "config",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    import json

    _compose_ok(json.loads(result.stdout))


def _pg_usable() -> str | None:
    if not (PG_BIN / "initdb").exists():
        return "PostgreSQL 15 binaries not installed"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "runuser not available"
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "no postgres user to run initdb as"
    return None


@pytest.mark.skipif(_pg_usable() is not None, reason=str(_pg_usable()))
def test_postgresql_backup_and_restore(tmp_path):
    import pwd

    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    base = Path(tempfile.mkdtemp(prefix="grants-pg-"))
    if as_root:
        pw = pwd.getpwnam("postgres")
        os.chown(base, pw.pw_uid, pw.pw_gid)
    data = base / "data"
    env = _env(PATH=f"{PG_BIN}:{os.environ.get('PATH', '')}")

    def run(*cmd: str, check: bool = True, user: bool = True):
        result = subprocess.run(
            [*(prefix if user else []), *cmd],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        if check:
            assert result.returncode == 0, result.stderr
        return result

    started = False
    try:
        run(
            str(PG_BIN / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(base / "log"),
            "-w",
            "-o",
            f"-k {base} -c listen_addresses='' -F",
            "start",
        )
        started = True
        url = f"postgresql://postgres@/grants?host={base}"
        url2 = f"postgresql://postgres@/grants2?host={base}"
        psql = [str(PG_BIN / "psql"), "-XAtq", "-v", "ON_ERROR_STOP=1"]
        run(
            *psql,
            f"postgresql://postgres@/postgres?host={base}",
            "-c",
            "CREATE DATABASE grants",
            "-c",
            "CREATE DATABASE grants2",
            user=False,
        )
        run(
            *psql,
            url,
            "-c",
            "CREATE TABLE project (id int PRIMARY KEY, name text)",
            "-c",
            "INSERT INTO project SELECT g, '项目 ' || g FROM generate_series(1, 40) g",
            user=False,
        )
        uploads = tmp_path / "uploads"
        uploads.mkdir()
        (uploads / "结项报告.pdf").write_bytes(b"%PDF" + os.urandom(500))
        files = _snapshot(uploads)
        backups = tmp_path / "backups"
        env.update(DATABASE_URL=url, UPLOAD_DIR=str(uploads))
        result = _run(BACKUP, str(backups), cwd=tmp_path, env=env)
        assert result.returncode == 0, result.stderr
        archive = _only_archive(backups)

        run(*psql, url, "-c", "DELETE FROM project WHERE id > 10", user=False)
        (uploads / "结项报告.pdf").unlink()
        refused = _run(RESTORE, str(archive), cwd=tmp_path, env=env)
        assert refused.returncode != 0 and "--force" in refused.stderr
        result = _run(RESTORE, "--force", str(archive), cwd=tmp_path, env=env)
        assert result.returncode == 0, result.stderr
        count = run(*psql, url, "-c", "SELECT count(*), min(name) FROM project", user=False)
        assert count.stdout.strip() == "40|项目 1"
        assert _snapshot(uploads) == files

        # Into an empty database: no --force needed.
        env.update(DATABASE_URL=url2, UPLOAD_DIR=str(tmp_path / "uploads2"))
        result = _run(RESTORE, str(archive), cwd=tmp_path, env=env)
        assert result.returncode == 0, result.stderr
        count = run(*psql, url2, "-c", "SELECT count(*) FROM project", user=False)
        assert count.stdout.strip() == "40"
    finally:
        if started:
            run(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop", check=False)
        shutil.rmtree(base, ignore_errors=True)


def test_the_backup_service_mounts_every_script_it_needs():
    """backup.sh and restore.sh source lib.sh: the container must see all three."""
    compose = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    for script in ("backup.sh", "restore.sh", "lib.sh"):
        assert f"./{script}:/deploy/{script}:ro" in compose
    for script in ("backup.sh", "restore.sh"):
        assert 'source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"' in (DEPLOY / script).read_text()
