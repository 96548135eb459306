"""The peers' installs: one cached virtual environment per tool under benchmarks/.peers-venv (their pins conflict)."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

VENVS = Path(__file__).resolve().parents[1] / ".peers-venv"
PACKAGES = {"llm": "llm", "aider": "aider-chat", "elia": "elia-chat", "oterm": "oterm"}


def bin_dir(package: str) -> Path:
    return VENVS / package / "bin"


def installed(package: str) -> bool:
    return (VENVS / package / ".installed").exists()


def install(package: str) -> str:
    """Install `package` once into its own venv; '' when it is there, else why it is not (pip's last line)."""
    if installed(package):
        return ""
    venv = VENVS / package
    log = VENVS / f"{package}.log"
    print(f"peers: installing {package} into {venv} (once; log {log})", file=sys.stderr)
    with log.open("w") as out:
        steps = [[sys.executable, "-m", "venv", str(venv)], [str(venv / "bin" / "pip"), "install", "-q", package]]
        for step in steps:
            if subprocess.run(step, stdout=out, stderr=subprocess.STDOUT).returncode != 0:
                return "install failed: " + last_error(log)
    (venv / ".installed").touch()
    return ""


def last_error(log: Path) -> str:
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines()
             if line.strip() and not line.startswith("WARNING: Location")]
    errors = [line for line in lines if line.startswith("ERROR")]
    return (errors or lines or ["no output"])[-1][:160]


def install_all() -> dict[str, str]:
    """Every peer installed (in parallel, the first time); package -> why it is missing ('' when installed)."""
    VENVS.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(len(PACKAGES)) as pool:
        return dict(zip(PACKAGES.values(), pool.map(install, PACKAGES.values()), strict=True))
