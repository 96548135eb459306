"""An image in an MCP tool's result, checked before a model may be shown it.

What a server sends is hostile: the media type must be PNG, JPEG, GIF or WebP, the data valid
base64 whose bytes begin as that type's do (a provider refuses a mismatch, and the image is sent
again with every request of the session), each image and all of one result's together at most
the limit of an @file image. Anything else stays a description in the result's text.
"""

from __future__ import annotations

import base64
import binascii

from ..mentions import IMAGE_LIMIT
from ..messages import Attachment

SIGNATURES = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),  # and "WEBP" at byte 8
}


def image_line(image: Attachment) -> str:
    """How a tool's image is told in its result and shown by the UIs: "[image: image/png, 1.2 KB]", with the
    URI of an embedded resource ("[image <file:///a.png>: …]")."""
    where = f" <{image.path}>" if image.path else ""
    return f"[image{where}: {image.media_type}, {size_text(image.size)}]"


def size_text(count: int) -> str:
    if count < 1024:
        return f"{count} bytes"
    return f"{count / 1024:.1f} KB" if count < 1024 * 1024 else f"{count / 1024 / 1024:.1f} MB"


class NotShown(Exception):
    """Why an image stays a description; the message says it."""


class ResultImages:
    """The images of one tool result that a model may be shown, up to IMAGE_LIMIT bytes together."""

    def __init__(self) -> None:
        self.kept: list[Attachment] = []
        self.total = 0

    def take(self, data: str, media_type: str | None, uri: str = "") -> Attachment:
        """The image as an attachment (`uri`: an embedded resource's); NotShown when it may not be shown."""
        kind = (media_type or "").strip().lower()
        if kind not in SIGNATURES:
            raise NotShown("not a PNG, JPEG, GIF or WebP image")
        raw = _decoded(data)
        if self.total + len(raw) > IMAGE_LIMIT:
            raise NotShown(f"over the {IMAGE_LIMIT // 1_000_000} MB limit for a result's images")
        if not _begins_as(raw, kind):
            raise NotShown(f"its data is not {kind} data")
        image = Attachment(path=uri, kind="image", size=len(raw), media_type=kind, data=base64.b64encode(raw).decode())
        self.kept.append(image)
        self.total += len(raw)
        return image


def _decoded(data: str) -> bytes:
    text = "".join(data.split())  # base64 wrapped over lines is still base64
    if len(text) > (IMAGE_LIMIT + 2) // 3 * 4:
        raise NotShown(f"over the {IMAGE_LIMIT // 1_000_000} MB limit for a result's images")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NotShown("its data is not valid base64") from None


def _begins_as(raw: bytes, media_type: str) -> bool:
    if not raw.startswith(SIGNATURES[media_type]):
        return False
    return media_type != "image/webp" or raw[8:12] == b"WEBP"
