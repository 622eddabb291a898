"""Files only livefest can read (kernel/private_files.py): the umask every livefest process
sets, the start-up check of an existing data directory, and the spool's own mode."""

import logging
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kernel.private_files import open_to_others, restrict_umask, warn_if_open
from services.ingest.spool import Message, Spool


@pytest.fixture
def umask() -> Iterator[None]:
    previous = os.umask(0o022)  # what a login shell usually has
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_after_restrict_umask_new_files_and_directories_are_the_owners_alone(tmp_path: Path, umask: None):
    assert restrict_umask() == 0o022
    (tmp_path / "d" / "e").mkdir(parents=True)
    (tmp_path / "d" / "f.txt").write_text("x")
    assert (mode(tmp_path / "d"), mode(tmp_path / "d" / "e"), mode(tmp_path / "d" / "f.txt")) == (0o700, 0o700, 0o600)


def test_every_livefest_command_sets_the_umask(tmp_path: Path):
    """The CLI's entry point, so `up`'s children too (the local server's files: the
    pipeline test in tests/integration/test_least_privilege.py)."""
    probe = ("import os, sys, click; from livefest import cli; "
             "cli.main.add_command(click.Command('probe', callback=lambda: print(oct(os.umask(0))))); "
             "sys.argv = ['livefest', 'probe']; cli.main()")  # fmt: skip
    env = {**os.environ, "LIVEFEST_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60,
                          preexec_fn=lambda: os.umask(0o022))  # fmt: skip
    assert done.stdout.strip() == "0o77", done.stderr


def test_an_open_data_directory_is_reported_with_the_command_that_fixes_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    data = tmp_path / "data"
    (data / "clickhouse" / "store" / "deep").mkdir(parents=True)
    (data / "logs").mkdir()
    for directory in (data, data / "clickhouse", data / "clickhouse" / "store", data / "logs"):
        directory.chmod(0o700)
    assert open_to_others(data) == []
    (data / "clickhouse").chmod(0o755)
    (data / "clickhouse" / "store" / "deep").chmod(0o750)  # three levels down: not looked at
    (data / "logs").chmod(0o710)
    assert open_to_others(data) == [(data / "clickhouse", 0o755), (data / "logs", 0o710)]
    with caplog.at_level(logging.WARNING):
        warn_if_open(data, logging.getLogger("t"))
    [record] = caplog.records
    assert f"run `chmod -R go-rwx {data}`" in record.getMessage()
    assert f"{data / 'clickhouse'} (0755)" in record.getMessage()


def test_a_missing_data_directory_is_not_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    assert warn_if_open(tmp_path / "nothing-yet", logging.getLogger("t")) == []
    assert caplog.records == []


def test_the_spool_and_its_wal_are_private_whatever_the_umask(tmp_path: Path, umask: None):
    spool = Spool(tmp_path / "ingest" / "spool.sqlite")
    spool.put([Message("t", b"k", b"v")], {"kuaishou.grant": "secret-grant"})
    files = sorted(p.name for p in (tmp_path / "ingest").iterdir())
    assert files == ["spool.sqlite", "spool.sqlite-shm", "spool.sqlite-wal"]
    assert {name: mode(tmp_path / "ingest" / name) for name in files} == dict.fromkeys(files, 0o600)
    spool.close()
