"""Fault profiles: named misbehaviours, composable, chosen per server or per request.

A profile is a comma-separated list of faults, each `name[:value][@probability]`, e.g.
`5xx-burst:2,stall:3@0.1`. Bundles (`flaky`, `bad-network`, `chaos`) expand to several
faults. The server's profile (`--faults`) applies to every request; the `x-sim-faults`
request header adds faults for that request alone, and there every fault fires (a burst
pattern collapses to "this request") unless an explicit `@probability` says otherwise.

| fault | value (default) | what happens |
|---|---|---|
| `5xx-burst` | N (3) | of every 10 requests, the first N get a 5xx: the provider's overload status (OpenAI 503, Anthropic 529, Gemini 503) on the 1st, 3rd... of a burst, 500 on the others |
| `429-storm` | N (10) | of every 20 requests, the first N get 429 with `retry-after` |
| `reset` | - | TCP reset before any response byte |
| `disconnect` | fraction (0.5) | the stream is cut (FIN) after that share of its tokens |
| `malformed-sse` | fraction (0.5) | the event at that share of the stream is broken JSON |
| `stall` | seconds (5) | the stream pauses that long halfway through |
| `slow-headers` | seconds (3) | the response head is that late (everything after shifts) |
| `endless` | - | the stream never finishes (tokens keep coming) |
| `wrong-content-type` | - | the right body under the wrong `content-type` |
| `oversized` | MB (8) | a body (or one event) of that many megabytes |
| `longer` | factor (2) | free-prose answers are that many times as long (a changed model, not a broken reply) |
| `rebuild` | build (1) | the answer reports another backend build: a new `system_fingerprint` |

`longer` and `rebuild` change behaviour rather than break replies: scoped to one offering,
a run after them is what a provider's silent model update looks like (drift). A slower tail
is `slow-headers:S@P`: that share of requests starts S seconds late.

Durations are simulated time: the server's time scale multiplies them like latencies.

A profile can also be scoped to one offering (`--offering-faults KEY=PROFILE`, see
`parse_offering_faults`): it applies to that offering's requests only, with burst patterns
counted over that offering's own requests, so one offering fails while the others answer.
`FaultState.fire` decides which faults hit a request; `apply_faults` bends the rendered reply
accordingly (pre-response faults, 5xx and 429, are raised by the app before rendering).
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Final

from catalog.errors import BadInput
from probes.simulator.text import WORDS
from probes.simulator.transport import CLOSE, RAW, STAMPED, Event, Reply
from probes.simulator.wire import Rendered

DEFAULTS: Final[dict[str, float | None]] = {
    "5xx-burst": 3,
    "429-storm": 10,
    "reset": None,
    "disconnect": 0.5,
    "malformed-sse": 0.5,
    "stall": 5.0,
    "slow-headers": 3.0,
    "endless": None,
    "wrong-content-type": None,
    "oversized": 8.0,
    "longer": 2.0,
    "rebuild": 1.0,
}
BEHAVIOUR: Final = frozenset({"longer", "rebuild"})
"""Faults that change what a model answers rather than break the reply."""
CYCLES: Final = {"5xx-burst": 10, "429-storm": 20}
ENDLESS_LIMIT: Final = 10_000_000
FAR_FUTURE_NS: Final = 365 * 24 * 3600 * 10**9

BUNDLES: Final = {
    "flaky": "5xx-burst:1,disconnect@0.05,stall:2@0.05",
    "bad-network": "reset@0.05,disconnect@0.05,slow-headers:2@0.1,stall:3@0.05",
    "chaos": ",".join(
        f"{name}@0.02"
        for name in DEFAULTS
        if name not in ("endless", "5xx-burst", "429-storm", *BEHAVIOUR)
    )
    + ",5xx-burst:1,429-storm:1",
}


@dataclass(frozen=True, slots=True)
class Fault:
    """One fault of a profile."""

    name: str
    value: float | None
    probability: float | None
    """None: the fault's own pattern (bursts) or always."""

    def __str__(self) -> str:
        text = self.name
        if self.value is not None and self.value != DEFAULTS[self.name]:
            text += f":{self.value:g}"
        if self.probability is not None:
            text += f"@{self.probability:g}"
        return text


class FaultError(BadInput, ValueError):
    """A profile that does not parse; the message names the bad part."""

    title = "bad fault profile"


def parse_faults(spec: str | None) -> tuple[Fault, ...]:
    """Parse a profile like `5xx-burst:2,stall:3@0.1` (bundles expanded). Raises FaultError."""
    if not spec or spec.strip() in ("", "none"):
        return ()
    out: list[Fault] = []
    for raw in spec.split(","):
        part = raw.strip()
        if not part:
            continue
        if part in BUNDLES:
            out += parse_faults(BUNDLES[part])
            continue
        head, _, prob_text = part.partition("@")
        name, _, value_text = head.partition(":")
        if name not in DEFAULTS:
            known = ", ".join([*DEFAULTS, *BUNDLES])
            raise FaultError(f"unknown fault {name!r} in {spec!r}; known: {known}")
        value = DEFAULTS[name]
        if value_text:
            if value is None:
                raise FaultError(f"fault {name!r} takes no value (got {value_text!r})")
            try:
                value = float(value_text)
            except ValueError:
                raise FaultError(f"fault {name!r}: {value_text!r} is not a number") from None
            if not math.isfinite(value):
                raise FaultError(f"fault {name!r}: {value_text!r} is not a finite number")
            if value < 0:
                raise FaultError(f"fault {name!r}: the value must not be negative")
        probability = None
        if prob_text:
            try:
                probability = float(prob_text)
            except ValueError:
                raise FaultError(
                    f"fault {name!r}: probability {prob_text!r} is not a number"
                ) from None
            if not 0 <= probability <= 1:
                raise FaultError(f"fault {name!r}: probability must be within 0..1")
        out.append(Fault(name, value, probability))
    return tuple(out)


def parse_offering_faults(
    specs: Iterable[str] | Mapping[str, str | tuple[Fault, ...]],
) -> dict[str, tuple[Fault, ...]]:
    """Profiles scoped to one offering each, by offering key (`provider/model-id`).

    Takes `KEY=PROFILE` strings (the command line's `--offering-faults`, e.g.
    `acme/acme-large-2=5xx-burst:10`) or a mapping of key to profile. Raises FaultError.
    Whether each key names an offering is checked by the server against its catalog.
    """
    items: list[tuple[str, str | tuple[Fault, ...]]] = []
    if isinstance(specs, Mapping):
        items = list(specs.items())
    else:
        for spec in specs:
            key, sep, text = spec.partition("=")
            if not sep:
                raise FaultError(f"offering faults {spec!r}: expected KEY=PROFILE")
            items.append((key, text))
    out: dict[str, tuple[Fault, ...]] = {}
    for raw_key, profile in items:
        key = raw_key.strip()
        if not key:
            raise FaultError(f"offering faults: no offering key before {profile!r}")
        faults = parse_faults(profile) if isinstance(profile, str) else profile
        out[key] = out.get(key, ()) + faults
    return out


class FaultState:
    """Per-server counters behind the burst patterns, and the per-request draw."""

    def __init__(self, profile: tuple[Fault, ...]) -> None:
        self.profile = profile
        self.counters = [0] * len(profile)

    def fire(
        self, per_request: tuple[Fault, ...], rng: random.Random
    ) -> dict[str, tuple[Fault, int]]:
        """The faults that hit this request by name, each with its position in its burst
        (0 for the first request of a burst, for per-request and for non-burst faults).
        A later fault of the same name wins."""
        fired: dict[str, tuple[Fault, int]] = {}
        for index, fault in enumerate(self.profile):
            count = self.counters[index]
            self.counters[index] = count + 1
            position = 0
            if fault.probability is not None:
                hit = rng.random() < fault.probability
            elif fault.name in CYCLES:
                position = count % CYCLES[fault.name]
                hit = position < int(fault.value or 0)
            else:
                hit = True
            if hit:
                fired[fault.name] = (fault, position)
        for fault in per_request:
            if fault.probability is None or rng.random() < fault.probability:
                fired[fault.name] = (fault, 0)
        return fired


def apply_faults(
    rendered: Rendered,
    fired_at: dict[str, tuple[Fault, int]],
    headers: list[tuple[str, str]],
    offsets: list[int],
    rng: random.Random,
    scale: float,
) -> Reply:
    """The reply for a rendered answer with the fired faults applied: shifted, stalled, cut,
    broken, padded or made endless. `offsets` is the answer's token schedule."""
    fired = {name: fault for name, (fault, _) in fired_at.items()}

    def seconds(name: str) -> int:
        return int((fired[name].value or 0) * 1e9 * scale)

    shift = seconds("slow-headers") if "slow-headers" in fired else 0
    stall = seconds("stall") if "stall" in fired else 0
    content_type = rendered.content_type
    if "wrong-content-type" in fired:
        content_type = (
            "text/plain; charset=utf-8"
            if content_type.startswith("application/json")
            else "application/json"
        )
    head = [("content-type", content_type), *headers]

    if rendered.body is not None:
        body = rendered.body
        at = rendered.body_at + shift + stall
        if "endless" in fired:
            return Reply(0, head, head_at=at, end="hang")
        if "oversized" in fired:
            size = int((fired["oversized"].value or 0) * 1024 * 1024)
            body = b'{"padding":"' + b"x" * size + b'",' + body[1:]
        if "malformed-sse" in fired:
            body = body[: len(body) // 2]
        if "disconnect" in fired:
            cut = int(len(body) * (fired["disconnect"].value or 0))
            return Reply(
                200, head, body=body[:cut], head_at=at, end="close", declared_length=len(body)
            )
        return Reply(200, head, body=body, head_at=at)

    kind = STAMPED if rendered.stamped else RAW
    opening = [(t + shift, data, kind) for t, data in rendered.opening]
    tokens = [(t + shift, data, kind) for t, data in rendered.tokens]
    closing = [(t + shift, data, kind) for t, data in rendered.closing]
    if stall:
        middle = len(tokens) // 2
        tokens = tokens[:middle] + [(t + stall, d, k) for t, d, k in tokens[middle:]]
        closing = [(t + stall, d, k) for t, d, k in closing]
    if "malformed-sse" in fired and tokens:
        index = min(len(tokens) - 1, int(len(tokens) * (fired["malformed-sse"].value or 0)))
        t, event_data, k = tokens[index]
        trimmed = event_data.rstrip(b"\r\n")
        tokens[index] = (t, trimmed[: max(1, len(trimmed) * 2 // 3)] + b"\n\n", k)
    big: list[Iterator[Event]] = []
    if "oversized" in fired and rendered.token_event is not None:
        size = int((fired["oversized"].value or 0) * 1024 * 1024)
        at = tokens[-1][0] if tokens else opening[-1][0] if opening else 0
        big.append(_big_event(at, rendered.token_event, size, kind))
    events: list[Event] = opening + tokens
    tail: Iterator[Event] = itertools.chain(*big, closing)
    if "disconnect" in fired:
        keep = int(len(tokens) * (fired["disconnect"].value or 0))
        events = opening + tokens[:keep]
        at = events[-1][0] if events else 0
        tail = iter([(at, b"", CLOSE)])
    elif "endless" in fired:
        last = tokens[-1][0] if tokens else rendered.head_at + shift
        gap = max(1, (offsets[-1] - offsets[0]) // max(1, len(offsets) - 1))
        tail = itertools.chain(*big, _endless(rendered, last, gap, kind, rng))
    return Reply(200, head, events=_chain(events, tail), head_at=rendered.head_at + shift)


def _big_event(at: int, render: Callable[[str], bytes], size: int, kind: int) -> Iterator[Event]:
    """One huge token event, built only when the stream reaches it: the head and the
    earlier events go out first, as they would from a real server."""
    yield (at, render("x" * size), kind)


def _chain(first: list[Event], rest: Iterator[Event]) -> Iterator[Event]:
    yield from first
    yield from rest


def _endless(
    rendered: Rendered, start: int, gap: int, kind: int, rng: random.Random
) -> Iterator[Event]:
    """Tokens forever (a cap keeps a forgotten client from running the server out of ints)."""
    render = rendered.token_event
    if render is None:
        # A JSON-array stream cannot be padded with tokens: it goes silent instead.
        yield (FAR_FUTURE_NS, b"\n", RAW)
        return
    t = start
    for _ in range(ENDLESS_LIMIT):
        t += gap
        yield (t, render(" " + rng.choice(WORDS)), kind)
