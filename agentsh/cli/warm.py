"""The warm path of `agentsh run`: the turn goes to a running, compatible task service instead of this
process importing litellm and opening a Session.

Compatible: service.json present and its pid alive, the same agentsh version and service protocol, the
same data home, and the same environment where it decides what a turn does (service/compat.py). Any
doubt — a flag the service cannot honour, no service, a refusal, a 401 — and `run_warm` returns None:
the turn runs in process, silently. `AGENTSH_NO_SERVICE=1` always runs it in process.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ServiceError
from .printers import JsonPrinter, Printer, SchemaPrinter, TextPrinter
from .run_input import output_closed

if TYPE_CHECKING:
    from ..service.client import ServiceClient


def run_warm(args: argparse.Namespace, prompt: str, words: int | None, schema: Any) -> int | None:
    """The exit status of the turn run by the warm service; None when it must run in process."""
    if os.environ.get("AGENTSH_NO_SERVICE") or not service_can_run(args, prompt):
        return None
    home = light_data_home(args)
    client = _compatible_client(home) if home is not None else None
    if client is None:
        return None
    try:
        task = client.submit(task_request(args, prompt, words, schema, origin="run"))
    except ServiceError:
        client.close()
        return None  # the service refused (a bad --mode, an unknown session...): in process says it as run says it
    try:
        return _follow(client, str(task["id"]), _printer(args, schema))
    finally:
        client.close()


def service_can_run(args: argparse.Namespace, prompt: str) -> bool:
    """False for what a task request cannot carry: extra plugin folders, the project store, --max-steps,
    --any, and a custom command file's `/name` (expanded where the command files are read)."""
    return not (
        getattr(args, "plugins", None) or getattr(args, "project_store", False) or getattr(args, "max_steps", None) is not None
        or getattr(args, "continue_anywhere", False) or prompt.lstrip().startswith("/")
    )


def task_request(args: argparse.Namespace, prompt: str, words: int | None, schema: Any, origin: str) -> dict[str, Any]:
    """The contract's TaskRequest for run's flags; the workspace is this process's current folder."""
    return {
        "prompt": prompt, "mode": args.mode, "model": args.model, "session": args.session,
        "continue_latest": bool(args.continue_latest), "schema": schema, "yes": bool(args.yes),
        "max_cost": args.max_cost, "max_tokens": args.max_tokens, "cwd": os.getcwd(), "mentions_within": words,
        "origin": origin,
    }


def light_data_home(args: argparse.Namespace) -> Path | None:
    """config.data_home without pydantic: --home > AGENTSH_HOME > the config's `home` > XDG.
    None when it depends on the folder (the project store) or the config cannot be read (in process says why)."""
    given = getattr(args, "home", None) or os.environ.get("AGENTSH_HOME")
    if given:
        return Path(given).expanduser()
    config = _config_file()
    if config is None or config.get("project_store"):
        return None
    if isinstance(config.get("home"), str) and config["home"]:
        return Path(config["home"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "agentsh"


def _config_file() -> dict[str, Any] | None:
    override = os.environ.get("AGENTSH_CONFIG")
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    path = Path(override) if override else Path(base) / "agentsh" / "config.toml"
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return {}
    except OSError:
        return None
    import tomllib  # only when there is a config file to read

    with handle:
        try:
            return tomllib.load(handle)
        except (OSError, tomllib.TOMLDecodeError):
            return None


def _compatible_client(home: Path) -> ServiceClient | None:
    from .. import __version__
    from ..service.client import ServiceClient
    from ..service.compat import PROTOCOL, env_fingerprint

    client = ServiceClient.for_home(home)
    if client is None:
        return None
    info = client.info
    same_home = _resolved(info.home) == _resolved(home)
    if (info.version, info.protocol, info.env) == (__version__, PROTOCOL, env_fingerprint(os.environ)) and same_home:
        return client
    client.close()
    return None


def _resolved(path: str | Path) -> Path:
    try:
        return Path(path).resolve()
    except OSError:
        return Path(path).absolute()


def _printer(args: argparse.Namespace, schema: Any) -> Printer:
    if args.json:
        return JsonPrinter(sys.stdout)
    return SchemaPrinter(sys.stdout, sys.stderr) if schema is not None else TextPrinter(sys.stdout, sys.stderr)


class _Stopped(Exception):
    def __init__(self, signum: int) -> None:
        self.signum = signum


def _follow(client: ServiceClient, task_id: str, printer: Printer) -> int:
    """The task's events printed as run prints them; Ctrl-C, SIGTERM, SIGHUP or a closed stdout cancel it."""
    from .task_stream import TaskFollower

    try:
        with _stop_signals_raise():
            return TaskFollower(client, task_id, printer).run()
    except KeyboardInterrupt:
        _cancel(client, task_id)
        raise  # main says "agentsh: interrupted", 130, as for a turn in process
    except _Stopped as stopped:
        _cancel(client, task_id)
        from ..signals import exit_status, say_stopped

        say_stopped(exit_status(stopped.signum))
        return exit_status(stopped.signum)
    except BrokenPipeError:
        _cancel(client, task_id)
        return output_closed()


def _cancel(client: ServiceClient, task_id: str) -> None:
    with suppress(ServiceError):
        client.cancel(task_id)


@contextmanager
def _stop_signals_raise() -> Iterator[None]:
    """SIGTERM and SIGHUP stop the turn in order (the task is cancelled, saved as interrupted), as in process."""
    def stop(signum: int, _frame: object) -> None:
        raise _Stopped(signum)

    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
