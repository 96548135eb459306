"""The http_fetch plugin, against a stdlib HTTP server on 127.0.0.1 (never another address)."""

import importlib.util
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

PLUGIN_PATH = Path(__file__).resolve().parents[2] / "plugins" / "http_fetch.py"

PAGE = """<!doctype html><html><head><title>Test  page</title>
<style>body { color: red }</style><script>var secret = "do not show";</script></head>
<body><h1>Hello &amp; welcome</h1><p>First   paragraph
with a <a href="/x">link</a>.</p><ul><li>one</li><li>two</li></ul>
<noscript>enable js</noscript><div>Last</div></body></html>"""


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(f"agentsh_plugin_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


plugin = _load(PLUGIN_PATH)


class Handler(BaseHTTPRequestHandler):
    ROUTES: ClassVar[dict[str, tuple[str, bytes]]] = {
        "/page.html": ("text/html; charset=utf-8", PAGE.encode()),
        "/data.json": ("application/json", json.dumps({"name": "agentsh", "n": [1, 2]}).encode()),
        "/image.png": ("image/png", b"\x89PNG\r\n\x1a\n" + bytes(64)),
        "/plain.txt": ("text/plain", ("0123456789" * 100).encode()),
        "/latin1.txt": ("text/plain; charset=iso-8859-1", "café".encode("latin-1")),
        "/missing": ("text/plain", b"not here"),
    }

    def do_GET(self):
        if self.path == "/huge":
            return self._huge()
        if self.path.startswith("/redirect/"):
            return self._redirect(int(self.path.rsplit("/", 1)[1]))
        content_type, body = self.ROUTES.get(self.path, ("text/plain", b"no route"))
        self.send_response(404 if self.path == "/missing" else 200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _huge(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        try:
            for _ in range(100):  # 100 MB unless the client stops reading
                self.wfile.write(b"z" * (1024 * 1024))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading, as it should

    def _redirect(self, remaining: int):
        self.send_response(302)
        self.send_header("Location", f"/redirect/{remaining - 1}" if remaining > 1 else "/data.json")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


async def test_html_becomes_readable_text(server):
    result = await plugin.http_fetch(f"{server[1]}/page.html")
    status, text = result.split("\n\n", 1)
    assert status.startswith("HTTP 200 OK · text/html") and status.endswith("/page.html")
    assert text.startswith("# Test page\n\nHello & welcome\n\nFirst paragraph\nwith a link.")
    assert "\n- one\n- two\n" in text and text.endswith("Last")
    for hidden in ("secret", "color", "enable js", "<"):
        assert hidden not in text


async def test_json_and_text_come_back_as_they_are(server):
    result = await plugin.http_fetch(f"{server[1]}/data.json")
    assert result.splitlines()[0].startswith("HTTP 200 OK · application/json")
    assert json.loads(result.split("\n\n", 1)[1]) == {"name": "agentsh", "n": [1, 2]}
    assert (await plugin.http_fetch(f"{server[1]}/latin1.txt")).endswith("\n\ncafé")


async def test_error_statuses_are_results_with_their_body(server):
    assert (await plugin.http_fetch(f"{server[1]}/missing")).startswith("HTTP 404 Not Found")


async def test_binary_content_type_is_refused(server):
    with pytest.raises(ValueError, match="'image/png', not text"):
        await plugin.http_fetch(f"{server[1]}/image.png")


async def test_huge_body_stops_at_the_size_limit(server):
    started = time.monotonic()
    result = await plugin.http_fetch(f"{server[1]}/huge", max_chars=10_000_000)
    assert time.monotonic() - started < 5
    assert result.endswith("[stopped reading after 2 MB]")
    assert result.count("z") == plugin.MAX_BYTES


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "data:text/plain,hi", "127.0.0.1/x", "javascript:alert(1)", "http:///nohost"])
async def test_other_schemes_are_refused(url):
    with pytest.raises(ValueError, match="refused"):
        await plugin.http_fetch(url)


async def test_max_chars_truncates_with_a_note(server):
    result = await plugin.http_fetch(f"{server[1]}/plain.txt", max_chars=25)
    body = result.split("\n\n", 1)[1]
    assert body == "0123456789012345678901234\n... [975 more characters; call again with a larger max_chars to see more]"


async def test_redirects_are_followed_up_to_five(server):
    result = await plugin.http_fetch(f"{server[1]}/redirect/5")
    assert result.startswith("HTTP 200 OK · application/json") and "/data.json" in result.splitlines()[0]
    with pytest.raises(ValueError, match="redirected more than 5 times"):
        await plugin.http_fetch(f"{server[1]}/redirect/6")


async def test_connection_failure_is_a_clear_error(server):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = httpd.server_address[1]
    httpd.server_close()  # nothing listens on this port now
    with pytest.raises(ConnectionError, match=f"could not fetch http://127.0.0.1:{port}/"):
        await plugin.http_fetch(f"http://127.0.0.1:{port}/")


async def test_tool_requires_approval_and_runs_through_invoke(server):
    assert plugin.http_fetch.requires_approval
    assert (await plugin.http_fetch.invoke({"url": f"{server[1]}/plain.txt", "max_chars": 5})).split("\n\n")[1].startswith("01234\n")
