"""Images and scanned PDF pages → text by OCR (Tesseract with Debian's chi_sim data).

Tesseract runs as a child process (``tesseract IMAGE - -l chi_sim+eng --psm 3``) with a time
limit, so a hostile image cannot take the build down with it. Its Chinese output puts a space
between characters; the normaliser closes that letter-spacing up. Text read this way is marked
``extraction = "ocr"`` everywhere (reader, build warnings, the graph's pol:extractionMethod).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from kg.errors import CorpusError
from kg.ingest.readers.common import EMBEDDED_ENCODING, OCR, RawText

#: Seconds Tesseract may spend on one page.
TIMEOUT = 300
LANGUAGES = "chi_sim+eng"
_INSTALL = "apt-get install tesseract-ocr tesseract-ocr-chi-sim"
#: Images larger than this many pixels are refused (a decompression bomb in an image file).
MAX_PIXELS = 80_000_000


def _languages() -> set[str]:
    try:
        done = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return set()
    return {line.strip() for line in done.stdout.splitlines()[1:] if line.strip()}


def ink(image: Any) -> Any:
    """The page as OCR should see it: the print dark on white, red ink gone.

    A seal (公章) is stamped in red over the signature block, and in grey its ring and
    characters are as dark as the print beneath: Tesseract then drops the signature (the issuer
    and date) or reads seal characters into it. In the red channel red ink is near white while
    black (and blue) print stays dark, because seal ink darkens the paper only in green and blue.
    The red masthead (某某委员会文件) goes with it; the issuer is read from the signature.
    """
    if image.mode in ("RGB", "RGBA", "RGBX", "P", "PA", "CMYK", "YCbCr"):
        return image.convert("RGB").getchannel("R")
    return image.convert("L")  # a copy: the frames of a multi-page TIFF are one object, seeked


def recognise_image(path: Path, image: Any) -> tuple[str, str]:
    """(text, engine name) of a PIL image; CorpusError naming the install when no engine is there."""
    image = ink(image)
    if not shutil.which("tesseract"):
        raise CorpusError(path, "is a scan (page images without a text layer) and no OCR engine is installed",
                          f"install one: {_INSTALL}; or save a text version as .txt")
    if "chi_sim" not in _languages():
        raise CorpusError(path, "is a scan, and Tesseract has no Chinese (chi_sim) data",
                          "install it: apt-get install tesseract-ocr-chi-sim")
    with tempfile.TemporaryDirectory(prefix="kg-ocr-") as tmp:
        page = Path(tmp) / "page.png"
        image.save(page)
        try:
            done = subprocess.run(["tesseract", str(page), "-", "-l", LANGUAGES, "--psm", "3"],
                                  capture_output=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            raise CorpusError(path, f"OCR took longer than {TIMEOUT} s on one page",
                              "save a text version as .txt, or split the file") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise CorpusError(path, f"OCR failed (tesseract exit {done.returncode}: {message[0][:160]})",
                          "check the image opens, or save a text version as .txt")
    return done.stdout.decode("utf-8", "replace"), "tesseract"


def read_image(path: Path, data: bytes, limit: int) -> RawText:
    """OCR an image file (PNG, JPEG, TIFF, BMP); every frame of a multi-page TIFF is a page."""
    import io

    try:
        from PIL import Image, ImageSequence
    except ImportError as exc:
        raise CorpusError(path, "Pillow is needed to read images but is not installed",
                          "install it with: pip install pillow") from exc
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        image = Image.open(io.BytesIO(data))
        frames = [ink(frame) for frame in ImageSequence.Iterator(image)]
    except Image.DecompressionBombError as exc:
        raise CorpusError(path, f"image is larger than {MAX_PIXELS:,} pixels (a possible decompression bomb)",
                          "scale it down, or save a text version as .txt") from exc
    except Exception as exc:
        raise CorpusError(path, f"not a readable image ({type(exc).__name__}: {str(exc)[:160]})",
                          "re-save it as PNG or JPEG, or save a text version as .txt") from exc
    pages = []
    engine = "tesseract"
    for frame in frames:
        text, engine = recognise_image(path, frame)
        pages.append(text)
    from kg.ingest.readers.common import PAGE_BREAK

    return RawText(PAGE_BREAK.join(pages), EMBEDDED_ENCODING, path.suffix.lower()[1:], method=engine,
                   extraction=OCR, warnings=(f"{path.name}: the text was recognised by OCR and may hold "
                                             "misread characters",))
