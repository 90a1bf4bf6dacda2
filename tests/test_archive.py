"""Deterministic archives: the hand-written ustar writer gives exactly what tarfile writes."""

from __future__ import annotations

import gzip
import io
import tarfile

import pytest

from builder.util.archive import FIXED_MTIME, tar_bytes, tar_gz


def _tarfile_reference(entries: dict[str, bytes]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name in sorted(entries):
            info = tarfile.TarInfo(name)
            info.size = len(entries[name])
            info.mtime = FIXED_MTIME
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(entries[name]))
    return raw.getvalue()


CASES = {
    "empty": {},
    "one": {"moodle_backup.xml": b"<x/>"},
    "block sizes": {f"f{n:04d}.bin": bytes(range(256)) * (n // 256) + b"z" * (n % 256)
                    for n in (0, 1, 511, 512, 513, 1024, 10239, 10240, 10241, 70000)},
    "long names": {"a/" * 49 + "xy": b"1", "activities/page_123/page.xml": b"<page/>" * 99},
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_bytes_as_tarfile(case):
    assert tar_bytes(CASES[case]) == _tarfile_reference(CASES[case])


def test_archive_reads_back():
    entries = CASES["block sizes"] | CASES["long names"]
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(tar_gz(entries)))) as tar:
        got = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
        assert all(m.mtime == FIXED_MTIME and m.mode == 0o644 for m in tar.getmembers())
    assert got == entries


@pytest.mark.parametrize("name", ["café.xml", "x" * 101, "/etc/passwd"])
def test_unportable_names_refused(name):
    with pytest.raises(ValueError):
        tar_bytes({name: b""})
