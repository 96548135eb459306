"""Fetch a web page or API response as text, with approval and hard limits.

``http_fetch`` does one GET over http or https (other schemes — file:, ftp:, data: —
are refused), follows at most 5 redirects, gives up after 20 seconds in total, and
reads text only: text/*, JSON, XML and JavaScript. Anything else (images, PDFs,
archives) is refused with its content type. The body is read as it streams and
reading stops after 2 MB, so a huge or endless response costs bounded memory. HTML
is turned into readable text with the standard library's ``html.parser``: scripts and
styles dropped, block elements on lines of their own.
"""
from __future__ import annotations

import asyncio
import re
from html.parser import HTMLParser
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from agentsh import tool

if TYPE_CHECKING:  # httpx costs ~20 ms to import: only a fetch pays for it, not every session start
    import httpx

TIMEOUT = 20.0
MAX_REDIRECTS = 5
MAX_BYTES = 2 * 1024 * 1024
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript", "application/ecmascript")
TEXT_SUFFIXES = ("+json", "+xml", "/javascript", "/x-javascript")
HTML_TYPES = ("text/html", "application/xhtml+xml")
SKIPPED_TAGS = {"script", "style", "noscript", "template", "svg"}
BLOCK_TAGS = {
    "p", "div", "hr", "ul", "ol", "dl", "table", "section", "article", "header", "footer", "nav",
    "aside", "main", "pre", "blockquote", "form", "figure", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6",
}
LINE_TAGS = {"br", "li", "tr", "dt", "dd"}  # start a new line, without a blank line after
CELL_TAGS = {"td", "th"}


class _TextExtractor(HTMLParser):
    """Collects the visible text of an HTML document, one block element per line."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.title: list[str] = []
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in SKIPPED_TAGS:
            self.skipping += 1
        self.in_title = self.in_title or tag == "title"
        if tag in BLOCK_TAGS or tag in LINE_TAGS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")
        if tag in CELL_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS and self.skipping:
            self.skipping -= 1
        self.in_title = self.in_title and tag != "title"
        if tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        elif not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The readable text of an HTML page: title first, no scripts or styles, tidy whitespace."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    lines = (" ".join(line.split()) for line in "".join(extractor.parts).splitlines())
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    title = " ".join("".join(extractor.title).split())
    return f"# {title}\n\n{body}" if title else body


def _check_url(url: str) -> None:
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https"):
        shown = f"{parts.scheme}:" if parts.scheme else "no scheme"
        raise ValueError(f"refused {url!r}: only http:// and https:// URLs can be fetched ({shown})")
    if not parts.hostname:
        raise ValueError(f"refused {url!r}: the URL has no host name")


def _is_text(content_type: str) -> bool:
    kind = content_type.split(";")[0].strip().lower()
    return not kind or kind.startswith(TEXT_TYPES) or kind.endswith(TEXT_SUFFIXES)


async def _read_bounded(response: httpx.Response) -> tuple[bytes, bool]:
    """The body up to MAX_BYTES, and whether reading stopped there."""
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > MAX_BYTES:
            return bytes(body[:MAX_BYTES]), True
    return bytes(body), False


def _decode(response: httpx.Response, body: bytes) -> str:
    if b"\0" in body[:8192]:
        raise ValueError(f"refused: {response.url} sent binary data, not text")
    text = body.decode(response.charset_encoding or "utf-8", errors="replace")
    content_type = response.headers.get("content-type", "").lower()
    return html_to_text(text) if content_type.startswith(HTML_TYPES) else text


async def _get(url: str) -> tuple[str, str]:
    """(status line, text) for a GET of `url`."""
    import httpx

    async with (
        httpx.AsyncClient(follow_redirects=True, max_redirects=MAX_REDIRECTS, timeout=TIMEOUT) as client,
        client.stream("GET", url) as response,
    ):
        content_type = response.headers.get("content-type", "")
        if not _is_text(content_type):
            raise ValueError(
                f"refused: {response.url} is {content_type!r}, not text; "
                "http_fetch reads only text, HTML, JSON, XML and JavaScript"
            )
        body, cut = await _read_bounded(response)
        status = f"HTTP {response.status_code} {response.reason_phrase} · {content_type or 'no content type'} · {response.url}"
        note = f"\n[stopped reading after {MAX_BYTES // (1024 * 1024)} MB]" if cut else ""
        return status, _decode(response, body) + note


def _truncated(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    rest = len(text) - max_chars
    return f"{text[:max_chars]}\n... [{rest:,} more characters; call again with a larger max_chars to see more]"


@tool(requires_approval=True)
async def http_fetch(url: str, max_chars: int = 20000) -> str:
    """Fetch a URL with HTTP GET and return the status line and the page as text.

    HTML pages come back as readable text (no markup, scripts or styles); JSON,
    XML and plain text come back as they are. Only http:// and https:// URLs are
    fetched, only text content is read (images, PDFs and other binary files are
    refused), at most 2 MB is downloaded and redirects are followed up to 5 times.
    The user approves each fetch.

    Args:
        url: The full URL, starting with http:// or https://.
        max_chars: The most characters of text to return; the rest is cut with a note.
    """
    import httpx

    _check_url(url)
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    try:
        async with asyncio.timeout(TIMEOUT):
            status, text = await _get(url.strip())
    except TimeoutError:
        raise TimeoutError(f"fetching {url} took longer than {TIMEOUT:g} s") from None
    except httpx.TooManyRedirects:
        raise ValueError(f"fetching {url} was redirected more than {MAX_REDIRECTS} times") from None
    except httpx.HTTPError as error:
        raise ConnectionError(f"could not fetch {url}: {type(error).__name__}: {error}") from None
    return f"{status}\n\n{_truncated(text, max_chars)}"
