"""Old binary Word (.doc) and WPS (.wps) → text through an installed converter.

Converters, best first (measured on the devcorpus .doc, see README 'Supported formats'):

1. LibreOffice headless (``soffice``, Debian ``libreoffice-writer-nogui``): converts to .docx,
   which the DOCX reader then reads — automatic list numbers (``一、``) and tables (one row a
   line, cells tab-separated) survive, and the file properties come along. Also reads .wps.
2. antiword (Debian ``antiword``): complete text, fast; loses automatic list numbers; its
   ``|cell|cell|`` table rows are turned into tab-separated rows.
3. catdoc (Debian ``catdoc``): last resort; drops text of "fast-saved" files.

Each runs in a child process in a private temporary folder with a time and memory limit.
None installed: a per-file error naming the Debian packages, so the other files still build.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from kg.errors import CorpusError
from kg.ingest.readers.common import EMBEDDED_ENCODING, RawText

#: Seconds a converter may run on one file.
TIMEOUT = 180
#: Address-space limit of a converter child (bytes); LibreOffice maps a lot, so it is generous.
_MEMORY = 4 * 1024 ** 3
_INSTALL = "apt-get install libreoffice-writer-nogui (or antiword)"


def converters() -> list[str]:
    """Names of the installed .doc converters, best first."""
    found = []
    if _soffice():
        found.append("libreoffice")
    for tool in ("antiword", "catdoc"):
        if shutil.which(tool):
            found.append(tool)
    return found


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def read_legacy_word(path: Path, data: bytes, limit: int, tools: list[str] | None = None) -> RawText:
    """Convert a .doc/.wps with the best installed converter; a failing one falls back to the next.

    ``tools`` restricts the converters tried (names from :func:`converters`).
    """
    fmt = path.suffix.lower()[1:]
    available = [name for name in (tools if tools is not None else converters())
                 if (fmt == "doc" or name == "libreoffice") and name in converters()]
    if not available:
        need = "LibreOffice" if fmt == "wps" else "LibreOffice, antiword or catdoc"
        raise CorpusError(path, f"no converter for .{fmt} files is installed (needs {need})",
                          f"install one: {_INSTALL if fmt == 'doc' else 'apt-get install libreoffice-writer-nogui'}"
                          f"; or open the file in Word/WPS and save it as .docx")
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="kg-doc-") as tmp:
        folder = Path(tmp)
        source = folder / f"input.{fmt}"
        source.write_bytes(data)
        for name in available:
            try:
                if name == "libreoffice":
                    raw = _libreoffice(path, source, folder, limit)
                else:
                    text = _antiword(source) if name == "antiword" else _catdoc(source)
                    raw = RawText(text, EMBEDDED_ENCODING, fmt, method=name, paragraph_lines=True)
            except (CorpusError, OSError, subprocess.SubprocessError, UnicodeDecodeError) as exc:
                failures.append(f"{name}: {getattr(exc, 'problem', exc)}")
                continue
            if name == "libreoffice" and fmt == "doc" and "antiword" in available:
                raw = _restore_tables(raw, source)
            if raw.text.strip():
                warnings = tuple(f"{path.name}: {f} — read with {name} instead" for f in failures)
                return RawText(raw.text, raw.encoding, fmt, method=name, paragraph_lines=True,
                               properties=raw.properties, warnings=warnings)
            failures.append(f"{name}: no text")
    raise CorpusError(path, f"not a readable .{fmt} file ({'; '.join(failures)[:300]})",
                      "open it in Word or WPS and save it as .docx, or save it as .txt")


def _limits() -> None:  # runs in the child, before exec
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (_MEMORY, _MEMORY))
    except (ImportError, ValueError, OSError):
        pass


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> bytes:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, timeout=TIMEOUT,
                          stdin=subprocess.DEVNULL, preexec_fn=_limits if sys.platform != "win32" else None)
    if done.returncode != 0:
        message = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
        raise CorpusError(command[0], f"exit {done.returncode}: {' '.join(message[-2:])[:200]}", "")
    return done.stdout


def _libreoffice(path: Path, source: Path, folder: Path, limit: int) -> RawText:
    from kg.ingest.readers.docx import read_docx

    profile = folder / "profile"
    env = dict(os.environ, HOME=str(folder))
    _run([_soffice() or "soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
          "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(folder / "out"), str(source)], folder, env)
    converted = folder / "out" / (source.stem + ".docx")
    if not converted.exists():
        raise CorpusError(path, "LibreOffice wrote no .docx", "")
    raw = read_docx(path, converted.read_bytes(), limit)
    return RawText(raw.text, EMBEDDED_ENCODING, source.suffix[1:], method="libreoffice",
                   paragraph_lines=True, properties=raw.properties)


def _restore_tables(raw: RawText, source: Path) -> RawText:
    """Put back the rows of a table LibreOffice's .doc import ran into one paragraph.

    LibreOffice (7.x) reads a table that ends a .doc (a 职责分工表 closing an attachment, a common
    case) as a single paragraph of its cells run together; antiword keeps its rows. Each such
    paragraph — exactly the concatenation of a block of antiword's table rows — is replaced by
    those rows, one tab-separated row a line; the rest of LibreOffice's text (its list numbers)
    is kept. Without antiword's answer, or when nothing matches, the text is left as it was.
    """
    try:
        rows = _antiword(source).split("\n")
    except (CorpusError, OSError, subprocess.SubprocessError, UnicodeDecodeError):
        return raw
    blocks: dict[str, list[str]] = {}
    current: list[str] = []
    for line in rows + [""]:
        if "\t" in line:
            current.append(line)
            continue
        if len(current) >= 2:
            blocks["".join("".join(r.split()) for r in current)] = current
        current = []
    if not blocks:
        return raw
    lines = raw.text.split("\n")
    changed = False
    for index, line in enumerate(lines):
        found = blocks.get("".join(line.split()))
        if found and "\t" not in line:
            lines[index] = "\n".join(found)
            changed = True
    if not changed:
        return raw
    return dataclasses.replace(raw, text="\n".join(lines))


_ANTIWORD_ROW = re.compile(r"^\|(.*)\|\s*$")


def _antiword(source: Path) -> str:
    """antiword's text; its table rows ``|a   |b   |`` become ``a\\tb``."""
    text = _run(["antiword", "-m", "UTF-8.txt", "-w", "0", str(source)], source.parent).decode("utf-8")
    lines = []
    for line in text.split("\n"):
        row = _ANTIWORD_ROW.match(line)
        lines.append("\t".join(cell.strip() for cell in row.group(1).split("|")) if row else line)
    return "\n".join(lines)


def _catdoc(source: Path) -> str:
    return _run(["catdoc", "-d", "utf-8", "-w", str(source)], source.parent).decode("utf-8")
