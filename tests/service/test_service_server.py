"""`agentsh serve` itself: loopback only unless allowed, the Unix socket, the idle stop, SIGTERM and service.json."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time

import httpx
import pytest
from service_harness import GatedModel, submit, wait_for

from agentsh.errors import UsageError
from agentsh.service.address import check_host
from agentsh.service.files import info_path, read_info


def agentsh(*args: str, **options) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "agentsh", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
        env={**os.environ, "AGENTSH_MODEL": "offline"}, **options,
    )


def test_a_host_other_than_loopback_is_refused_in_one_line_without_allow_remote(home):
    process = agentsh("serve", "--host", "0.0.0.0", "--port", "0", "--home", str(home))
    out, err = process.communicate(timeout=60)

    assert process.returncode == 2 and out == ""
    [line] = err.splitlines()
    assert "0.0.0.0" in line and "--allow-remote" in line and "TLS" in line and "reverse proxy" in line
    assert not info_path(home).exists()
    for host in ("127.0.0.1", "::1", "localhost", "127.0.0.2"):
        check_host(host, allow_remote=False)
    check_host("192.0.2.1", allow_remote=True)
    with pytest.raises(UsageError):
        check_host("192.0.2.1", allow_remote=False)


def test_sigterm_stops_the_service_cleanly_and_removes_service_json(home):
    process = agentsh("serve", "--port", "0", "--home", str(home))
    try:
        line = process.stdout.readline()
        info = read_info(home)
        assert info is not None and info.pid == process.pid and info.url in line and "token" in line
        token = (home / "service" / "token").read_text().strip()
        assert httpx.get(f"{info.url}/v1/health", headers={"Authorization": f"Bearer {token}"}).json()["pid"] == process.pid
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        process.kill()
    assert not info_path(home).exists()


def test_the_service_serves_on_a_unix_socket_only_its_owner_can_use(start_service, tmp_path, home):
    path = tmp_path / "agentsh.sock"
    service = start_service(socket=path)
    info = json.loads(info_path(home).read_text())
    with service.client(transport=httpx.HTTPTransport(uds=str(path))) as client:
        health = client.get("/v1/health")
        task = submit(client, "over the socket")
        finished = wait_for(client, task["id"])

    assert health.status_code == 200 and info["socket"] == str(path)
    assert stat.S_ISSOCK(path.stat().st_mode) and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert finished["status"] == "completed"
    service.stop()
    assert not path.exists() and not info_path(home).exists()


def test_an_idle_service_stops_itself_and_removes_service_json(start_service, home):
    service = start_service(idle_timeout=0.5)
    assert info_path(home).exists()
    with service.client() as client:
        wait_for(client, submit(client, "one thing")["id"])

    service.thread.join(10)
    assert not service.thread.is_alive()
    assert not info_path(home).exists()


def test_a_busy_service_does_not_stop_for_idleness(start_service, home, models):
    models["scripted"] = model = GatedModel()
    service = start_service(model="scripted", idle_timeout=1.0)
    with service.client() as client:
        task = submit(client, "long work")
        time.sleep(2.0)
        assert service.thread.is_alive() and info_path(home).exists()
        model.gate.set()
        assert wait_for(client, task["id"])["status"] == "completed"
    service.thread.join(10)
    assert not service.thread.is_alive()
