"""The service client resumes a task's event stream after a dropped connection (Last-Event-ID): no event lost,
none twice. The connection is cut by a TCP relay between the client and a real `agentsh serve`."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import socket
import threading
from urllib.parse import urlsplit

import pytest

from agentsh.service.client import ServiceClient
from agentsh.service.files import read_info, read_token

from fakeserver import Reply
from jobs_harness import Shell


class CuttingRelay:
    """Forwards 127.0.0.1:port to the service; the first event stream is cut after `cut_after` bytes of its answer."""

    def __init__(self, upstream: tuple[str, int], cut_after: int) -> None:
        self.upstream, self.cut_after = upstream, cut_after
        self.requests: list[bytes] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.cut = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        server = socket.create_connection(self.upstream)
        request = client.recv(65536)
        self.requests.append(request)
        server.sendall(request)
        cutting = b"/events" in request and not self.cut
        self.cut = self.cut or cutting
        threading.Thread(target=self._pump, args=(client, server), daemon=True).start()
        sent = 0
        while chunk := server.recv(4096):
            if cutting and sent + len(chunk) > self.cut_after:
                break
            client.sendall(chunk)
            sent += len(chunk)
        for end in (client, server):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)  # wakes the other direction's recv: the client sees the connection end
            end.close()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        try:
            while chunk := client.recv(4096):
                server.sendall(chunk)
        except OSError:
            pass


@pytest.fixture
def shell(fake_server, home, tmp_path):
    shell = Shell(home, fake_server.base_url, tmp_path)
    yield shell
    shell.stop()


def test_a_dropped_event_stream_is_resumed_where_it_stopped(shell, fake_server, home):
    fake_server.default_reply = Reply(text="one two three four five six seven eight nine ten " * 3, chunk_delay=0.05)
    shell.serve()
    info = read_info(home)
    assert info is not None
    address = urlsplit(info.url)
    relay = CuttingRelay((address.hostname or "127.0.0.1", address.port or 80), cut_after=700)
    direct = ServiceClient.for_home(home)
    assert direct is not None
    task = direct.submit({"prompt": "count", "origin": "api"})
    client = ServiceClient(dataclasses.replace(info, url=f"http://127.0.0.1:{relay.port}"), read_token(home) or "")

    events = list(client.events(task["id"]))

    ids = [seq for seq, _, _ in events]
    assert ids == list(range(1, len(ids) + 1))  # nothing lost, nothing twice
    assert json.loads(events[-1][2]) == {"status": "completed"}
    text = "".join(json.loads(data)["delta"] for _, name, data in events if name == "text")
    assert text == fake_server.default_reply.text
    resumed = [r for r in relay.requests if b"/events" in r]
    assert len(resumed) >= 2 and b"last-event-id:" in resumed[1].lower()
