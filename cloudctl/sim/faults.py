"""Fault injection for the cloud simulators: what can go wrong on a real cloud API, on demand.

A :class:`Faults` is configured per simulator from ``--fault`` specs such as
``huawei:throttle=3/20,retry_after=1`` or ``error_rate=0.05`` (no prefix: every simulator).

Keys:

- ``error_rate=F``      fraction (0..1) of API requests answered 500/502/503 (seeded, reproducible)
- ``throttle=N/M``      the first N of every M API requests get 429 (a burst), with ``Retry-After``
- ``retry_after=S``     seconds in ``Retry-After`` (default 1)
- ``latency=MS``        delay every response by MS milliseconds (``A-B``: uniform in [A, B])
- ``token_ttl=S``       tokens/sessions live S seconds (default 3600)
- ``token_uses=N``      a token/session expires after N authenticated requests
- ``truncate_rate=F``   fraction of successful JSON bodies cut in half (invalid JSON, valid HTTP)
- ``fail_path=S``       every API request whose path contains S is answered 500 (one broken call,
                        e.g. one project's quota: ``huawei:fail_path=/v1/<project id>/cloudservers/limits``)
- ``job_seconds=S``     how long an asynchronous operation (a stop, a ZStack write) takes (default 0.05)

Auth endpoints (token issue, login) are exempt from errors, throttling and truncation, so a
client can always re-authenticate; they still get the latency.

``Faults.fired`` counts the faults actually served, by kind (``throttle``, ``error``,
``truncate``, ``token_expired``, ``latency``): a test checks that the fault it configured
happened, and ``GET /_sim/stats`` shows the counts of a running simulator.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field, replace

from cloudctl.errors import UsageError

SIM_NAMES = ("tianhe", "huawei", "xinchuang")


@dataclass
class Faults:
    error_rate: float = 0.0
    throttle_burst: int = 0
    throttle_every: int = 0
    retry_after: float = 1.0
    latency_ms: tuple[float, float] = (0.0, 0.0)
    token_ttl: float = 3600.0
    token_uses: int = 0
    truncate_rate: float = 0.0
    fail_paths: tuple[str, ...] = ()
    job_seconds: float = 0.05
    seed: int = 0
    _counter: int = field(default=0, init=False, repr=False)
    _rng: random.Random = field(init=False, repr=False)
    # Faults served, by kind; counted where they are served (SimLayer, TokenStore), not decided.
    fired: Counter = field(default_factory=Counter, init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def next_request(self, path: str = "") -> str | None:
        """Decide the fate of the next API request: None, ``"throttle"`` or ``"error"``."""
        if path and any(p in path for p in self.fail_paths):
            return "error"
        n = self._counter
        self._counter += 1
        if self.throttle_every and n % self.throttle_every < self.throttle_burst:
            return "throttle"
        if self.error_rate and self._rng.random() < self.error_rate:
            return "error"
        return None

    def truncate(self) -> bool:
        return bool(self.truncate_rate) and self._rng.random() < self.truncate_rate

    def latency(self) -> float:
        """Seconds to wait before answering."""
        lo, hi = self.latency_ms
        if hi <= 0:
            return 0.0
        return (lo if lo == hi else self._rng.uniform(lo, hi)) / 1000.0

    def error_status(self) -> int:
        return self._rng.choice((500, 502, 503))


def _number(key: str, value: str, kind=float):  # noqa: ANN001, ANN202
    try:
        v = kind(value)
    except ValueError:
        raise UsageError(f"--fault {key}={value}: not a number", hint=f"example: --fault {key}=1") from None
    if v < 0:
        raise UsageError(f"--fault {key}={value}: must not be negative")
    return v


def _apply(f: Faults, key: str, value: str) -> Faults:
    if key == "error_rate" or key == "truncate_rate":
        v = _number(key, value)
        if v > 1:
            raise UsageError(f"--fault {key}={value}: a rate is between 0 and 1")
        return replace(f, **{key: v})
    if key == "throttle":
        burst, _, every = value.partition("/")
        b, e = _number(key, burst, int), _number(key, every or "0", int)
        if not e or b > e:
            raise UsageError(f"--fault throttle={value}: write N/M with N <= M, e.g. throttle=3/20")
        return replace(f, throttle_burst=b, throttle_every=e)
    if key in ("retry_after", "token_ttl", "job_seconds"):
        return replace(f, **{key: _number(key, value)})
    if key == "token_uses":
        return replace(f, token_uses=_number(key, value, int))
    if key == "fail_path":
        if not value:
            raise UsageError("--fault fail_path=: give a part of a path, e.g. fail_path=/cloudservers/limits")
        return replace(f, fail_paths=(*f.fail_paths, value))
    if key == "latency":
        lo, _, hi = value.partition("-")
        a = _number(key, lo)
        return replace(f, latency_ms=(a, _number(key, hi) if hi else a))
    raise UsageError(
        f"--fault: unknown key '{key}'",
        hint="keys: error_rate, throttle, retry_after, latency, token_ttl, token_uses, truncate_rate, fail_path, job_seconds",
    )


def parse_specs(specs: list[str], seed: int = 0) -> dict[str, Faults]:
    """``--fault`` values → one :class:`Faults` per simulator name."""
    out = {name: Faults(seed=seed + i) for i, name in enumerate(SIM_NAMES)}
    for spec in specs:
        target, sep, rest = spec.partition(":")
        names = [target] if sep else list(SIM_NAMES)
        body = rest if sep else spec
        if sep and target not in SIM_NAMES:
            raise UsageError(f"--fault {spec}: unknown simulator '{target}'", hint=f"use one of {', '.join(SIM_NAMES)}")
        for item in filter(None, body.split(",")):
            key, eq, value = item.partition("=")
            if not eq:
                raise UsageError(f"--fault {spec}: expected key=value, got '{item}'")
            for name in names:
                out[name] = _apply(out[name], key.strip(), value.strip())
    return out
