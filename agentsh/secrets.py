"""Keep the user's credentials out of everything agentsh stores, exports or prints.

Redaction is by value: the values of the environment variables whose names say they hold a
credential (KEY, TOKEN, SECRET, PASSWORD, PASSWD, CREDENTIAL(S); PAT, AUTH, PASS as a word of
the name), the passwords inside URLs (`scheme://user:password@host`) in any variable, and the
credential fields of a JSON-valued credential (a service-account file in a variable). Each value
is also looked for as a program would print it encoded: base64 (standard and URL-safe, at each of
the three alignments, so a value inside a longer base64 stream is found too, even wrapped over
lines), hex, URL-encoding, and reversed. Those forms are computed once per environment.

By value rather than by pattern: it catches exactly the user's own keys, in any format a
provider invents, and never mistakes an ordinary hash or identifier for a key.
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus, unquote

MIN_SECRET_LENGTH = 8  # shorter values would replace ordinary words
MIN_LINE_LENGTH = 16  # a line of a multi-line secret (a PEM key) is looked for on its own from this length
MASK = "***"

_NAME_PARTS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL")
_NAME_WORDS = {"PAT", "AUTH", "AUTHORIZATION", "OAUTH", "PASS", "PASSPHRASE", "PW"}
# Names of the locations of credentials, not credentials: SSH_AUTH_SOCK, GOOGLE_APPLICATION_CREDENTIALS_FILE...
_NOT_A_VALUE = {"SOCK", "FILE", "PATH", "DIR", "URL", "URI", "HOST", "ENDPOINT", "REGION"}
_WRAPPABLE = re.compile(r"[A-Za-z0-9+/=_-]+")
# user:password@ after "://"; it starts at that literal (not at the scheme's letters), so a long
# value is scanned in linear time.
_URL_PASSWORD = re.compile(r"(://[^/\s:@]*):([^/\s@]+)@")
# Base64 or hex wrapped over lines (`base64` wraps at 76 columns, `xxd -p` at 60, PEM at 64).
_WRAPPED = re.compile(r"^(?:[A-Za-z0-9+/=_-]{60,}\r?\n)+[A-Za-z0-9+/=_-]+", re.M)


def is_credential_name(name: str) -> bool:
    upper = name.upper()
    words = [w for w in re.split(r"[^A-Z0-9]+", upper) if w]
    if words and words[-1] in _NOT_A_VALUE:
        return False
    return any(part in upper for part in _NAME_PARTS) or any(word in _NAME_WORDS for word in words)


def secret_values(environ: Iterable[tuple[str, str]] | None = None) -> list[str]:
    """The credentials found in the environment (as they are, not encoded), longest first."""
    items = list(os.environ.items()) if environ is None else list(environ)
    found: set[str] = set()
    for name, value in items:
        if is_credential_name(name):
            found |= set(_value_and_parts(value))
        found |= {password for match in _URL_PASSWORD.finditer(value) for password in (match.group(2), unquote(match.group(2)))}
    return sorted((v for v in found if len(v) >= MIN_SECRET_LENGTH), key=len, reverse=True)


def _value_and_parts(value: str) -> Iterator[str]:
    yield value
    yield from _json_credentials(value)
    lines = [line.strip() for line in value.splitlines()]
    if len(lines) > 1:
        yield from (line for line in lines if len(line) >= MIN_LINE_LENGTH)


def _json_credentials(value: str) -> Iterator[str]:
    """The credential fields of a JSON value ("private_key", "client_secret", ...), and their lines."""
    if not value.lstrip().startswith("{"):
        return
    try:
        data = json.loads(value)
    except ValueError:
        return
    for key, leaf in _leaves(data):
        if isinstance(leaf, str) and is_credential_name(key):
            yield from _value_and_parts(leaf)


def _leaves(data: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(data, dict):
        for name, value in data.items():
            yield from _leaves(value, str(name))
    elif isinstance(data, list):
        for value in data:
            yield from _leaves(value, key)
    else:
        yield key, data


def encoded_forms(secret: str) -> set[str]:
    """How a program may print `secret`: as is, reversed, hex, URL-encoded, base64 at each alignment."""
    raw = secret.encode()
    forms = {secret, secret[::-1], raw.hex(), raw.hex().upper(), quote(secret, safe=""), quote_plus(secret)}
    for offset in range(3):
        whole = raw[offset:][: (len(raw) - offset) // 3 * 3]  # the bytes that fill whole base64 groups
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            forms.add(encode(whole).decode())
    return {form for form in forms if len(form) >= MIN_SECRET_LENGTH}


@dataclass(frozen=True)
class _Needles:
    forms: tuple[str, ...]  # longest first, so a longer form is replaced before a part of it
    encoded: tuple[str, ...]  # the base64 and hex forms: looked for inside line-wrapped blocks too

    def redact(self, text: str, forms: tuple[str, ...] | None = None) -> str:
        for form in self.forms if forms is None else forms:
            if form in text:
                text = text.replace(form, MASK)
        return text


_cache: dict[int, _Needles] = {}


def _environment_key() -> int:
    # os.environ's undecoded mapping hashes ~50 times faster than its decoded items
    raw = getattr(os.environ, "_data", None)
    return hash(tuple(raw.items())) if isinstance(raw, dict) else hash(tuple(os.environ.items()))


def _needles() -> _Needles:
    """The forms to look for, computed once per environment (keyed on the environment's contents)."""
    key = _environment_key()
    cached = _cache.get(key)
    if cached is None:
        values = secret_values()
        forms = sorted(set().union(*map(encoded_forms, values)), key=len, reverse=True)
        cached = _Needles(tuple(forms), tuple(f for f in forms if _WRAPPABLE.fullmatch(f)))
        _cache.clear()
        _cache[key] = cached
    return cached


def redact_secrets(text: str) -> str:
    """`text` with every credential of the environment, in any of its encoded forms, replaced by ***.

    Also masks the password of any `scheme://user:password@host` in the text, whatever its length.
    """
    if not text:
        return text
    needles = _needles()
    if needles.forms:
        if needles.encoded and "\n" in text:  # first, while the wrapped blocks are whole
            text = _WRAPPED.sub(lambda block: _redact_block(block.group(0), needles), text)
        text = needles.redact(text)
    if "://" in text:
        text = _URL_PASSWORD.sub(rf"\1:{MASK}@", text)
    return text


def _redact_block(block: str, needles: _Needles) -> str:
    """A base64 or hex block wrapped over lines: looked at as one line, kept as it was when clean."""
    joined = re.sub(r"\r?\n", "", block)
    redacted = needles.redact(joined, needles.encoded)
    return block if redacted == joined else redacted
