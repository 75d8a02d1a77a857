"""Uploaded images made safe and small with Pillow: what the event image and the organisation logo
go through before anything is stored.

1. The type comes from the first bytes (JPEG, PNG or WebP), never from the file name or the
   browser's Content-Type, and Pillow is told to try only that one decoder.
2. The size in pixels comes from the header (Image.open reads only that) and is checked before a
   single pixel is decoded: a 30000 x 30000 PNG of 50 KB is refused without allocating 2.7 GB.
   Pillow's own bomb guard is set to the same limit and its warning is an error.
3. Decoding problems (truncated, corrupt) are refusals, never a 500.
4. EXIF orientation is applied to the pixels, then only the pixels are kept: no EXIF (GPS, camera
   serials), no XMP, no ICC profile, no text chunks survive into what is stored.
5. A few widths are written as WebP (what every browser in use shows) for pages, and the logo also
   as a PNG for the ticket PDF and e-mail clients that do not show WebP.

The byte limit is the caller's (checked while the request is read). This is CPU work: call it from a
worker thread (`asyncio.to_thread`), never on the event loop.
"""

from __future__ import annotations

import io
import threading
import warnings
from dataclasses import dataclass

from PIL import Image, ImageFile, ImageOps

# An upload's limits: bytes (checked while the request is read, lib/uploads.py) and the pixels its
# header may declare (checked before decoding). A phone photo is 3-6 MB and 12-48 megapixels.
MAX_IMAGE_BYTES = 8_000_000
MAX_IMAGE_PIXELS = 50_000_000
# Decoded pixels take 3-4 bytes each (a 50 MP PNG: 200 MB): at most this many decodes at once per
# process, so a burst of uploads queues instead of exhausting the API's memory. JPEGs (most photos)
# are decoded at a reduced scale that still covers the largest size stored (Pillow's draft mode).
_DECODES = threading.BoundedSemaphore(2)

# The widths an event image is stored at: a phone's hero, a tablet/desktop column, a large screen.
EVENT_IMAGE_WIDTHS = (400, 800, 1600)
WEBP_QUALITY = 72  # photos stay clean; a 400 px hero is ~15-30 KB
LOGO_WEB_BOX = (240, 96)  # a header logo at 2x of about 120 x 48 CSS pixels
LOGO_PRINT_BOX = (600, 240)  # the PDF and e-mails

_MAGIC = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
)

warnings.filterwarnings("error", category=Image.DecompressionBombWarning)


class ImageRejected(ValueError):
    """The upload is not an image we take; `str(e)` says why in words for the uploader."""


@dataclass(frozen=True)
class Rendition:
    width: int
    height: int
    data: bytes
    suffix: str  # ".webp" | ".png"
    content_type: str


def sniff_format(data: bytes) -> str | None:
    """JPEG, PNG or WebP by their signatures; None for anything else."""
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _decode(data: bytes, max_pixels: int = MAX_IMAGE_PIXELS, at_least: tuple[int, int] = (1600, 1600)) -> Image.Image:
    fmt = sniff_format(data)
    if fmt is None:
        raise ImageRejected("This file is not a JPEG, PNG or WebP image.")
    Image.MAX_IMAGE_PIXELS = max_pixels  # Pillow's own guard: a warning past it (an error here), an error at 2x
    # WeasyPrint sets this process-wide flag to True when imported (weasyprint/images.py), which makes
    # Pillow fill a truncated upload with grey instead of failing. An upload must be whole; WeasyPrint
    # only ever renders images this module made, so turning it back off costs the PDFs nothing.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        image = Image.open(io.BytesIO(data), formats=[fmt])  # reads the header only
        width, height = image.size
        if width < 1 or height < 1:
            raise ImageRejected("This image has no pixels.")
        if width * height > max_pixels:
            raise ImageRejected(
                f"This image is {width} x {height} pixels; the most we take is {max_pixels // 1_000_000} megapixels. "
                "Make it smaller and upload it again."
            )
        image.seek(0)  # an animation's first frame
        if fmt == "JPEG":
            image.draft("RGB", at_least)  # decode at 1/2, 1/4 or 1/8 when that still covers `at_least`
        image.load()
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(f"This image has more than {max_pixels // 1_000_000} megapixels.") from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, MemoryError):
        raise ImageRejected("This image could not be read: the file is damaged or incomplete.") from None
    return image


def _pixels_only(image: Image.Image) -> Image.Image:
    """Orientation applied, then a fresh image of the pixels: every piece of metadata is left behind."""
    upright = ImageOps.exif_transpose(image) or image
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info)
    converted = upright.convert("RGBA" if has_alpha else "RGB")
    clean = Image.new(converted.mode, converted.size)
    clean.paste(converted)
    return clean


def _save(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "WEBP":
        image.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


def event_image_widths(original_width: int) -> list[int]:
    """The widths stored for an image `original_width` wide: the standard ones below it, and the
    image's own width (at most the largest standard one). Never enlarged."""
    widths = [w for w in EVENT_IMAGE_WIDTHS if w < original_width]
    top = min(original_width, EVENT_IMAGE_WIDTHS[-1])
    if top not in widths:
        widths.append(top)
    return widths


def scaled_height(width: int, height: int, to_width: int) -> int:
    return max(1, round(height * to_width / width))


def event_image_renditions(data: bytes, *, max_pixels: int = MAX_IMAGE_PIXELS) -> list[Rendition]:
    with _DECODES:
        return _event_image_renditions(data, max_pixels)


def _event_image_renditions(data: bytes, max_pixels: int) -> list[Rendition]:
    side = EVENT_IMAGE_WIDTHS[-1]
    image = _pixels_only(_decode(data, max_pixels, (side, side)))
    width, height = image.size
    out = []
    for w in event_image_widths(width):
        h = scaled_height(width, height, w)
        resized = image if w == width else image.resize((w, h), Image.Resampling.LANCZOS)
        out.append(Rendition(w, h, _save(resized, "WEBP"), ".webp", "image/webp"))
    return out


def logo_renditions(data: bytes, *, max_pixels: int = MAX_IMAGE_PIXELS) -> tuple[Rendition, Rendition]:
    """(for pages: WebP in LOGO_WEB_BOX, for print and e-mail: PNG in LOGO_PRINT_BOX), never enlarged."""
    with _DECODES:
        image = _pixels_only(_decode(data, max_pixels, (LOGO_PRINT_BOX[0], LOGO_PRINT_BOX[0])))
    renditions = []
    for box, fmt, suffix, ctype in (
        (LOGO_WEB_BOX, "WEBP", ".webp", "image/webp"),
        (LOGO_PRINT_BOX, "PNG", ".png", "image/png"),
    ):
        copy = image.copy()
        copy.thumbnail(box, Image.Resampling.LANCZOS)
        renditions.append(Rendition(copy.width, copy.height, _save(copy, fmt), suffix, ctype))
    return renditions[0], renditions[1]
