"""Zip-based inputs (DOCX, and any other zip a reader adds) opened without trusting their sizes.

A zip member's declared size can lie and a small file can expand a thousandfold (a 3.7 MB
.docx whose document.xml is 1.1 GB). Before any parser sees a member, ``SafeZip`` checks the
number of members, each member's declared size against the limit, its compression ratio, and
then reads it in chunks, stopping as soon as the bytes actually produced pass the limit — so a
bomb costs at most the limit in memory and a fraction of a second, whatever it declares.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from kg.errors import CorpusError

#: At most this many members: a Word file has a few dozen; a million-entry zip is an attack.
MAX_MEMBERS = 10_000
#: A member larger than this (bytes) must not expand more than MAX_RATIO times its packed size.
RATIO_FLOOR = 1024 * 1024
#: Deflate reaches ~10–30× on Word XML; far beyond that is a bomb, not a document.
MAX_RATIO = 200
_CHUNK = 1024 * 1024


class SafeZip:
    """A zip archive in memory whose members are read only within ``limit`` bytes each."""

    def __init__(self, path: Path, data: bytes, limit: int, what: str, fix: str) -> None:
        self.path, self.limit, self.what, self.fix = path, limit, what, fix
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
            raise CorpusError(path, f"not a readable {what} (BadZipFile: {exc})", fix) from exc
        if len(infos) > MAX_MEMBERS:
            raise self._bomb(f"holds {len(infos):,} zip members (at most {MAX_MEMBERS:,} are read)")
        self.members = {info.filename: info for info in infos}

    def names(self) -> list[str]:
        """Member names, in archive order."""
        return list(self.members)

    def read(self, name: str) -> bytes | None:
        """The member's bytes; None when absent. Raises CorpusError for an oversized or bomb member."""
        info = self.members.get(name)
        if info is None:
            return None
        self._check_declared(info)
        out = bytearray()
        try:
            with self.zip.open(info) as fh:
                while True:
                    chunk = fh.read(_CHUNK)
                    if not chunk:
                        break
                    out += chunk
                    if len(out) > self.limit:
                        raise self._bomb(f"member {name} expands past {self.limit:,} bytes "
                                         f"although it declares {info.file_size:,}")
                    if info.compress_size and len(out) > RATIO_FLOOR and \
                            len(out) > MAX_RATIO * info.compress_size:
                        raise self._bomb(f"member {name} expands more than {MAX_RATIO}× "
                                         f"its packed size of {info.compress_size:,} bytes")
        except CorpusError:
            raise
        except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, ValueError) as exc:
            raise CorpusError(self.path, f"not a readable {self.what} ({type(exc).__name__} "
                              f"reading {name}: {exc})", self.fix) from exc
        return bytes(out)

    def _check_declared(self, info: zipfile.ZipInfo) -> None:
        if info.file_size > self.limit:
            raise self._bomb(f"member {info.filename} declares {info.file_size:,} bytes unpacked, over the "
                             f"limit of {self.limit:,}")
        if info.file_size > RATIO_FLOOR and info.compress_size and \
                info.file_size > MAX_RATIO * info.compress_size:
            raise self._bomb(f"member {info.filename} declares {info.file_size:,} bytes from "
                             f"{info.compress_size:,} packed (more than {MAX_RATIO}×)")

    def _bomb(self, problem: str) -> CorpusError:
        return CorpusError(
            self.path, f"refused as a possible zip bomb: {problem}",
            f"open it in Word or WPS and save it again; if the document really is this large, "
            f"raise max_file_mb (the unpacked limit is max_file_mb) or split it",
        )
