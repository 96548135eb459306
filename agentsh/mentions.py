"""`@path` in a message: the file (a folder as a listing, a glob as its files) attached to it.

    attach_mentions("explain @src/app.py", workspace) -> Attached(text, attachments, notices)

A mention starts a word (`me@example.com` is not one) and names something that exists; anything
else stays as typed. Relative paths stay inside the workspace: `..` out of it, or a symlink whose
target is outside, is refused with a notice; an absolute (or `~`) path is the user's explicit
choice. Files are read without following a symlink on the way (tools/nofollow.py), so nothing can
be swapped in between the check and the read. What a file holds is hostile text: the UIs show it
literally, and the model reads it as data inside an <attached> block.
"""

from __future__ import annotations

import base64
import glob
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .messages import Attachment
from .tools import nofollow

FILE_LIMIT = 2_000_000  # bytes of one attached file
TOTAL_LIMIT = 4_000_000  # bytes attached to one message
IMAGE_LIMIT = 5_000_000  # bytes of one attached image
FOLDER_ENTRIES = 300  # names listed for an @folder
GLOB_FILES = 50  # files attached for one @glob
SNIFF = 8192  # bytes looked at to tell a binary file
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp"}
SKIPPED_FOLDERS = {".git", "node_modules", "__pycache__", ".venv", "venv", ".mypy_cache", ".ruff_cache"}
MENTION = re.compile(r"(?<!\S)@(\S+)")
TRAILING = ".,;:!?)]}'\""


class Refused(Exception):
    """A mention that names something real but is not attached; its message is the notice."""


@dataclass
class Attached:
    text: str  # what the model reads: the message, then one block per attachment
    attachments: list[Attachment] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


@dataclass
class _Found:
    label: str  # the path as the user typed it (after trailing punctuation)
    path: Path  # absolute
    inside: bool  # named relative to the workspace


def mentions(text: str) -> list[str]:
    """The words of `text` that start with @ (without it), in order."""
    return [match.group(1) for match in MENTION.finditer(text)]


def attach_mentions(
    text: str, workspace: Path, accepts_images: Callable[[], bool] = lambda: False, within: int | None = None,
) -> Attached:
    """`text` with what its @mentions (in its first `within` characters) name attached; `accepts_images` is
    asked only when an image is named."""
    result = Attached(text)
    total = 0
    for word in dict.fromkeys(mentions(text[:within])):
        for found in _resolve(word, workspace):
            try:
                attachment, block = _read(found, workspace, accepts_images)
            except Refused as refusal:
                result.notices.append(f"@{found.label}: {refusal}; not attached")
                continue
            except OSError as error:
                result.notices.append(f"@{found.label}: cannot be read ({error.strerror or error}); not attached")
                continue
            if total + attachment.size > TOTAL_LIMIT:
                result.notices.append(f"@{found.label}: over the {_size(TOTAL_LIMIT)} limit for one message's attachments; not attached")
                continue
            total += attachment.size
            if block:
                result.text += "\n\n"
                attachment.start = len(result.text)
                result.text += block
            result.attachments.append(attachment)
            result.notices.append(f"attached @{found.label} ({attachment.kind}, {_size(attachment.size)})")
    return result


def _resolve(word: str, workspace: Path) -> list[_Found]:
    """What a mention names: nothing (it stays literal), one path, or a glob's files."""
    candidate = word
    while candidate:
        if glob.has_magic(candidate):
            return _glob(candidate, workspace)
        path, inside = _absolute(candidate, workspace)
        if os.path.lexists(path):
            return [_Found(candidate, path, inside)]
        if candidate[-1] not in TRAILING:
            return []
        candidate = candidate[:-1]  # "see @notes.md." names notes.md
    return []


def _absolute(word: str, workspace: Path) -> tuple[Path, bool]:
    if word.startswith(("/", "~")):
        return Path(os.path.expanduser(word)), False
    return Path(os.path.normpath(workspace / word)), True


def _glob(pattern: str, workspace: Path) -> list[_Found]:
    _, inside = _absolute(pattern, workspace)
    root = "" if not inside else str(workspace)
    names = sorted(glob.glob(pattern if not inside else os.path.join(root, pattern), recursive=True))
    files = [Path(name) for name in names if os.path.isfile(name)][:GLOB_FILES]
    return [_Found(os.path.relpath(f, workspace) if inside else str(f), f, inside) for f in files]


def _read(found: _Found, workspace: Path, accepts_images: Callable[[], bool]) -> tuple[Attachment, str]:
    """The attachment and the text block the model reads (empty for an image)."""
    parts = _parts_inside(found, workspace) if found.inside else None
    if parts is not None:
        with nofollow.directory(workspace, parts[:-1]) as folder:
            return _read_entry(found, folder, parts[-1] if parts else ".", accepts_images)
    real = Path(os.path.realpath(found.path))  # typed by the user: where it leads is their choice
    with nofollow.directory(real.parent, []) as folder:
        return _read_entry(found, folder, real.name or ".", accepts_images)


def _parts_inside(found: _Found, workspace: Path) -> list[str]:
    """The path's real location as names under the workspace; Refused when it leads out of it."""
    real, root = Path(os.path.realpath(found.path)), Path(os.path.realpath(workspace))
    if real == root or root in real.parents:
        return list(real.relative_to(root).parts)
    if found.path == workspace or workspace in found.path.parents:
        raise Refused("leads outside the workspace through a symlink")
    raise Refused("is outside the workspace (type its absolute path to attach it)")


def _read_entry(found: _Found, folder: int, name: str, accepts_images: Callable[[], bool]) -> tuple[Attachment, str]:
    if name == ".":
        return _folder(found, os.dup(folder))
    info = nofollow.entry(folder, name)
    if info is not None and stat.S_ISDIR(info.st_mode):
        return _folder(found, nofollow.open_directory(folder, name))
    descriptor = nofollow.open_file(folder, name)
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise Refused("is not a regular file")
        image_type = IMAGE_TYPES.get(Path(name).suffix.lower())
        if image_type:
            return _image(found, handle.read(IMAGE_LIMIT + 1), image_type, accepts_images), ""
        data = handle.read(FILE_LIMIT + 1)
    return _text(found, data)


def _text(found: _Found, data: bytes) -> tuple[Attachment, str]:
    if len(data) > FILE_LIMIT:
        raise Refused(f"is larger than the {_size(FILE_LIMIT)} limit for an attached file")
    if b"\0" in data[:SNIFF]:
        raise Refused("is a binary file")
    try:
        content = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused("is not UTF-8 text (a binary file?)") from None
    block = f'<attached path="{found.label}">\n{content}\n</attached>'
    return Attachment(path=found.label, kind="file", size=len(data)), block


def _image(found: _Found, data: bytes, media_type: str, accepts_images: Callable[[], bool]) -> Attachment:
    if len(data) > IMAGE_LIMIT:
        raise Refused(f"is larger than the {_size(IMAGE_LIMIT)} limit for an attached image")
    if not accepts_images():
        raise Refused("is an image, and this model does not accept images")
    return Attachment(path=found.label, kind="image", size=len(data), media_type=media_type, data=base64.b64encode(data).decode())


def _folder(found: _Found, descriptor: int) -> tuple[Attachment, str]:
    """A folder as the list of what is in it, folders first level and below, up to FOLDER_ENTRIES names."""
    names: list[str] = []
    try:
        _walk(descriptor, "", names)
    finally:
        os.close(descriptor)
    listing = "\n".join(names[:FOLDER_ENTRIES])
    if len(names) > FOLDER_ENTRIES:
        listing += f"\n… and more (only the first {FOLDER_ENTRIES} entries are listed)"
    block = f'<attached path="{found.label}" listing>\n{listing}\n</attached>'
    return Attachment(path=found.label, kind="folder", size=len(listing.encode())), block


def _walk(descriptor: int, prefix: str, names: list[str]) -> None:
    with os.scandir(descriptor) as entries:
        listed = sorted(entries, key=lambda e: e.name)
    for entry in listed:
        if len(names) > FOLDER_ENTRIES:
            return
        folder = entry.is_dir(follow_symlinks=False)
        names.append(f"{prefix}{entry.name}{'/' if folder else ''}")
        if folder and entry.name not in SKIPPED_FOLDERS:
            child = nofollow.open_directory(descriptor, entry.name)
            try:
                _walk(child, f"{prefix}{entry.name}/", names)
            finally:
                os.close(child)


def path_completions(partial: str, workspace: Path, limit: int = 50) -> list[str]:
    """Paths that complete `partial` (what follows an @), folders with a trailing /."""
    base = Path(os.path.expanduser(partial)) if partial.startswith(("/", "~")) else workspace / partial
    folder, start = (base, "") if partial.endswith("/") or not partial else (base.parent, base.name)
    try:
        with os.scandir(folder) as entries:
            names = sorted(e.name + ("/" if e.is_dir() else "") for e in entries if e.name.startswith(start))
    except OSError:
        return []
    if not start.startswith("."):
        names = [n for n in names if not n.startswith(".")]
    head = partial[: len(partial) - len(start)]
    return [head + name for name in names[:limit]]


def _size(count: int) -> str:
    if count < 1000:
        return f"{count} B"
    if count < 1000 * 1000:
        return f"{count / 1000:.1f} KB"
    return f"{count / 1000 / 1000:.1f} MB"
