"""Redaction figures: 20 kB of text with 10 credentials in the environment, beside the control-character
scan that terminal neutralisation makes of the same text.

Every stored, exported or printed text passes `redact_secrets`, so it must cost little: the
encoded forms of each value (base64 at 3 alignments, hex, URL-encoding, reversed) are computed
once per environment, then each text is scanned for them.
"""

from __future__ import annotations

import base64
import os
import re
import secrets

from agentsh.secrets import redact_secrets

from harness import Figure, median, time_calls, time_interleaved

TARGET_MS = 1.0
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _environment() -> list[str]:
    values = [f"sk-{secrets.token_hex(20)}" for _ in range(9)]
    for number, value in enumerate(values):
        os.environ[f"BENCH_SERVICE_{number}_API_KEY"] = value
    os.environ["BENCH_DATABASE_URL"] = f"postgresql://app:{secrets.token_hex(8)}@db:5432/app"
    return values


def _texts(key: str) -> dict[str, str]:
    prose = ("The build finished; 3 tests were skipped and the cache was warm. " * 400)[:20_000]
    listing = "".join(f"VARIABLE_{n}=/usr/local/share/value/{n:05d}\n" for n in range(600))[:19_000]
    encoded = base64.encodebytes(listing[:700].encode() + key.encode()).decode()  # wrapped at 76 columns
    return {"prose, no secret": prose, "`env | base64`-like, one key": listing + encoded}


def figures(quick: bool = False) -> list[Figure]:
    repeat = 50 if quick else 300
    values = _environment()
    os.environ["BENCH_CHANGED"] = "1"  # a changed environment: the forms are computed again, once
    first = time_calls(lambda: redact_secrets("warm-up"), 1)[0]
    results = [Figure("redaction: encoded forms after an environment change (10 secrets)", first, None, "≤ 5 ms", met=first <= 5)]
    texts = _texts(values[0])
    if "***" not in redact_secrets(texts["`env | base64`-like, one key"]):
        raise AssertionError("the wrapped base64 key was not found: the figure would measure nothing")
    for name, text in texts.items():
        ours, floor = time_interleaved(lambda text=text: redact_secrets(text), lambda text=text: CONTROL.sub("?", text), repeat)
        measured = median(ours)
        results.append(Figure(f"redaction of 20 kB, {name} (10 secrets)", measured, median(floor), f"≤ {TARGET_MS:g} ms", met=measured <= TARGET_MS))
    return results
