"""What a simulated offering does with a request, whatever the wire API.

Each wire module turns its request into an `Ask`; `check` raises the error the catalog
implies (context window, output limit, modality, unsupported parameter), and `answer`
decides the output and when each token goes out.

Determinism rule. A request is *reproducible* when its temperature is 0 (and the offering
accepts a temperature) or when it carries a seed the offering accepts (`determinism.seed`
true). Reproducible requests draw their output from a generator keyed on the offering, the
prompt, the output format, the tools, max_tokens, temperature and seed, so the same request
gives the same text. Then, per `determinism.guarantee`, a share of them diverges part-way
through (same prefix, different continuation): `exact` 0, `best_effort` 5 %, `none` 30 %,
unknown 15 %. A diverged best-effort answer reports a second `system_fingerprint` half of
the time (another backend build). Requests that are not reproducible sample freely: two of
them almost never match.

Structured output. The simulator follows the schema of `response_format` (or the
provider's equivalent); without one, a JSON Schema written in the system prompt or last user
message (the first `{...}` that parses and has `properties` or `"type": "object"`). How
often the JSON is right depends on what the offering supports:

| mode | when | valid | schema broken | fenced | invalid |
|---|---|---|---|---|---|
| strict | json_schema requested, `json_schema: true` | 100 % | 0 | 0 | 0 |
| json_mode | json_object requested, or json_schema on a json_mode-only offering | 90 % | 6 % | 2 % | 2 % |
| prompted | JSON asked for in words only, or support unknown | 70 % | 8 % | 15 % | 7 % |

"Fenced" wraps valid JSON in a ```json block; "invalid" is cut short or followed by prose.
A prompt that ends `Set "<property>" to <JSON value>.` (the structured probe's instruction)
gets that value in that property when the schema has it, as a model that reads its prompt
would; a degraded answer under load draws another value instead.

Retention and load. A request carrying a retention constraint is answered keeping or
breaking it, less often kept as its conversation grows (retention.py); an offering with more
requests in flight than its capacity degrades a share of its checkable answers (capacity.py).
Both are decided before the output is composed, from `Conditions` the server passes in.
Unknown capabilities (tools, streaming, formats) are served as if supported: the simulator
cannot know better, and every simulated result says it is simulated.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import random
import re
from dataclasses import dataclass, field
from typing import Any, Final

from catalog.lifecycle import status_on
from catalog.schema import Offering
from probes.simulator import capacity, retention
from probes.simulator.jsongen import instance, violate
from probes.simulator.retention import Constraint
from probes.simulator.text import (
    answer_needles,
    find_needles,
    number_in_words,
    prose,
    questions,
    stable_int,
)
from probes.simulator.timing import TimingModel, schedule
from probes.simulator.tokens import split_pieces

DIVERGENCE: Final = {"exact": 0.0, "best_effort": 0.05, "none": 0.3, None: 0.15}
FINGERPRINT_SWITCH: Final = 0.5
NATURAL_MEDIAN_TOKENS: Final = 120
NATURAL_SIGMA: Final = 0.6
NATURAL_RANGE: Final = (8, 1200)
JSON_RATES: Final = {
    # (valid, schema broken, fenced); the rest is invalid
    "strict": (1.0, 0.0, 0.0),
    "json_mode": (0.90, 0.06, 0.02),
    "prompted": (0.70, 0.08, 0.15),
}


# -- errors -----------------------------------------------------------------------------


class SimError(Exception):
    """A request the offering refuses; each wire renders it in its provider's format."""


@dataclass(eq=False)
class ContextTooLong(SimError):
    limit: int
    prompt_tokens: int
    max_tokens: int | None
    """Set when prompt + max_tokens overflow the context (the prompt alone fits)."""


@dataclass(eq=False)
class OutputTooLong(SimError):
    limit: int
    requested: int
    param: str


@dataclass(eq=False)
class MediaUnsupported(SimError):
    kind: str
    part_type: str
    """The wire's name for the part, e.g. image_url, document, inlineData."""
    where: str
    """Where it sits in the request, in the wire's path notation."""


@dataclass(eq=False)
class ParamUnsupported(SimError):
    param: str
    value: str
    code: str = "unsupported_value"


@dataclass(eq=False)
class BadRequest(SimError):
    message: str
    param: str | None = None
    code: str | None = None


@dataclass(eq=False)
class ModelNotFound(SimError):
    model: str
    retired: bool = False
    ambiguous: tuple[str, ...] = ()
    """Offering keys that share the id, when the id alone does not pick one."""


@dataclass(eq=False)
class RateLimited(SimError):
    """Over a requests- or tokens-per-minute limit, or inside a 429 storm."""

    kind: str
    """'requests' or 'tokens'."""
    limit: int
    used: int
    requested: int
    retry_after: float
    """Seconds."""
    headers: list[tuple[str, str]] = field(default_factory=list)
    """The provider's rate-limit headers at the moment of refusal."""


@dataclass(eq=False)
class ServerFault(SimError):
    """An injected server-side failure; `overloaded` picks the provider's overload status."""

    overloaded: bool


# -- requests and answers ---------------------------------------------------------------


@dataclass(slots=True)
class Tool:
    name: str
    schema: dict[str, Any]


@dataclass(slots=True)
class Ask:
    """A request in wire-independent terms."""

    offering: Offering
    text: str
    """All prompt text (system and messages), for needles and the determinism key."""
    instructions: str
    """The system prompt and the last user message: where the output format is asked for."""
    last_user: str
    prompt_tokens: int
    turns: int = 1
    """User messages in the conversation, this one included."""
    max_tokens: int | None = None
    max_tokens_param: str = "max_tokens"
    temperature: float | None = None
    seed: int | None = None
    format_kind: str | None = None
    """'json_schema' or 'json_object' when the request asks for one natively."""
    schema: dict[str, Any] | None = None
    tools: list[Tool] = field(default_factory=list)
    tool_choice: str = "auto"
    """'auto', 'none', 'required', or 'name:<tool>'."""
    after_tool_result: bool = False
    media: list[tuple[str, str, str]] = field(default_factory=list)
    """(modality, wire part type, location) per media part."""
    seen: list[str] = field(default_factory=list)
    """What each media part shows, in a few words (files.py): what the answer describes."""
    forced_tokens: int | None = None
    forced_finish: str = "stop"


@dataclass(slots=True)
class ToolCall:
    id: str
    name: str
    arguments: str
    pieces: list[str]


@dataclass(slots=True)
class Answer:
    """The output and its schedule. Each text piece and each argument piece is one token."""

    pieces: list[str]
    tool: ToolCall | None
    finish: str
    """'stop', 'length' or 'tool_calls' (each wire maps it to its own words)."""
    prompt_tokens: int
    fingerprint: str | None
    diverged: bool
    offsets: list[int]
    """ns after arrival at which each output token is sent (at least one entry)."""
    timing: TimingModel
    constraint: Constraint | None = None
    """The retention constraint the request carried, if any."""
    keep_p: float | None = None
    """The chance of keeping it at this turn."""
    kept: bool | None = None
    """Whether the answer as sent keeps it."""
    degraded: bool = False
    """Whether load changed a checkable answer (see capacity.py)."""

    @property
    def output_tokens(self) -> int:
        return len(self.pieces) + (len(self.tool.pieces) if self.tool else 0)

    @property
    def text(self) -> str:
        return "".join(self.pieces)


@dataclass(frozen=True, slots=True)
class Conditions:
    """What the server adds to a request's own content: how busy the offering is, and the
    traits it stands for (see retention.py and capacity.py)."""

    retention_turns: float
    """Turns after which the odds of keeping a system-prompt constraint have halved."""
    in_flight: int = 1
    """The offering's requests in flight when this one arrived, this one included."""
    capacity: int | None = None
    """Requests in flight served without degrading; None: never degrades."""
    longer: float = 1.0
    """Free-prose answers are this many times as long (the `longer` fault: a changed model)."""
    build: int = 0
    """The backend build the offering reports (the `rebuild` fault); 0 is its usual one."""

    @classmethod
    def at_rest(cls, offering: Offering) -> Conditions:
        """One request alone, with the offering's default traits."""
        return cls(retention_turns=retention.horizon(offering))


# -- checks -----------------------------------------------------------------------------


def input_window(offering: Offering) -> int | None:
    """The most prompt tokens the offering takes: its input cap, else its context window."""
    return offering.limits.input or offering.limits.context


def is_retired(offering: Offering, today: dt.date | None = None) -> bool:
    """Retired on `today` (default: the real today) by `catalog.lifecycle.status_on`: the
    provider no longer serves it."""
    return not status_on(offering.lifecycle, today or dt.date.today()).served


def check(ask: Ask) -> None:
    """Raise the SimError the catalog implies for this request, if any."""
    offering = ask.offering
    for kind, part_type, where in ask.media:
        if kind not in offering.modalities.input:
            raise MediaUnsupported(kind, part_type, where)
    det = offering.determinism
    if det.temperature is False and ask.temperature is not None and ask.temperature != 1:
        raise ParamUnsupported("temperature", f"{ask.temperature:g}")
    structured = offering.capabilities.structured_output
    if ask.format_kind == "json_schema" and structured.json_schema is False:
        raise ParamUnsupported("response_format", "json_schema", code="unsupported_parameter")
    if (
        ask.format_kind == "json_object"
        and structured.json_mode is False
        and structured.json_schema is not True
    ):
        raise ParamUnsupported("response_format", "json_object", code="unsupported_parameter")
    if ask.tools and offering.capabilities.tool_calling is False:
        raise ParamUnsupported("tools", "tools", code="unsupported_parameter")
    window = input_window(offering)
    if window is not None and ask.prompt_tokens > window:
        raise ContextTooLong(window, ask.prompt_tokens, None)
    limits = offering.limits
    if ask.max_tokens is not None:
        if ask.max_tokens < 1:
            raise BadRequest(
                f"{ask.max_tokens_param} must be at least 1", ask.max_tokens_param, "invalid_value"
            )
        if limits.output is not None and ask.max_tokens > limits.output:
            raise OutputTooLong(limits.output, ask.max_tokens, ask.max_tokens_param)
        if limits.context is not None and ask.prompt_tokens + ask.max_tokens > limits.context:
            raise ContextTooLong(limits.context, ask.prompt_tokens, ask.max_tokens)


# -- answers ----------------------------------------------------------------------------


def reproducible(ask: Ask) -> bool:
    """Temperature 0 where temperature is accepted, or a seed where seeds are accepted."""
    det = ask.offering.determinism
    if ask.temperature == 0 and det.temperature is not False:
        return True
    return ask.seed is not None and det.seed is True


def content_key(ask: Ask) -> int:
    """The determinism key: what a deterministic model's output may depend on."""
    digest = hashlib.blake2b(ask.text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
    return stable_int(
        ask.offering.key,
        digest,
        ask.format_kind,
        json.dumps(ask.schema, sort_keys=True) if ask.schema else "",
        ",".join(t.name for t in ask.tools),
        ask.tool_choice,
        ask.max_tokens,
        ask.temperature,
        # Greedy decoding (temperature 0) does not sample, so the seed cannot matter there.
        ask.seed if ask.temperature != 0 else None,
    )


def fingerprint(offering: Offering, alternate: bool, build: int = 0) -> str | None:
    """The backend build id the offering reports (None where the catalog names no field);
    another `build` (the `rebuild` fault) reports another id."""
    if offering.determinism.fingerprint_field is None:
        return None
    parts: tuple[object, ...] = (offering.key, "fingerprint", alternate)
    if build:
        parts += (build,)
    return f"fp_{stable_int(*parts) % 16**10:010x}"


def answer(
    ask: Ask,
    rng: random.Random,
    timing: TimingModel,
    scale: float,
    conditions: Conditions | None = None,
) -> Answer:
    """Decide the output of an accepted request. `rng` is the request's own generator
    (jitter, divergence, degradation under load); the output draws from a generator keyed
    as the rule says. `conditions` default to a request alone on the offering."""
    conditions = conditions or Conditions.at_rest(ask.offering)
    det = ask.offering.determinism
    repeatable = reproducible(ask)
    out_seed = content_key(ask) if repeatable else rng.getrandbits(64)
    steer = _steer(ask, rng, out_seed, conditions)
    pieces, tool, finish, kind = _compose(ask, random.Random(out_seed), steer)
    degraded = False
    if steer.degrade and kind in ("digits", "json"):
        calm = dataclasses.replace(steer, degrade=False)
        degraded = _compose(ask, random.Random(out_seed), calm)[0] != pieces
    diverged = False
    alternate = False
    if repeatable and rng.random() < DIVERGENCE[det.guarantee]:
        diverged = True
        pieces, tool = _diverge(ask, pieces, tool, random.Random(rng.getrandbits(64)), steer)
        alternate = det.guarantee == "best_effort" and rng.random() < FINGERPRINT_SWITCH
    limit = ask.max_tokens
    if limit is not None and ask.forced_tokens is None:
        total = len(pieces) + (len(tool.pieces) if tool else 0)
        if total > limit:
            finish = "length"
            if len(pieces) >= limit:
                pieces, tool = pieces[:limit], None
            elif tool is not None:
                tool.pieces = tool.pieces[: limit - len(pieces)]
                tool.arguments = "".join(tool.pieces)
    tokens = max(1, len(pieces) + (len(tool.pieces) if tool else 0))
    offsets = schedule(timing, rng, tokens, ask.prompt_tokens, scale)
    constrained = kind == "retention" and steer.constraint is not None
    return Answer(
        pieces=pieces,
        tool=tool,
        finish=finish,
        prompt_tokens=ask.prompt_tokens,
        fingerprint=fingerprint(ask.offering, alternate, conditions.build),
        diverged=diverged,
        offsets=offsets,
        timing=timing,
        constraint=steer.constraint if constrained else None,
        keep_p=steer.keep_p if constrained else None,
        # Judged on the text as sent, after divergence and max_tokens had their say.
        kept=retention.keeps(
            steer.constraint, "".join(pieces), retention.find_reference(ask.last_user)
        )
        if constrained and steer.constraint is not None
        else None,
        degraded=degraded,
    )


@dataclass(frozen=True, slots=True)
class _Steer:
    """What is decided before the output is composed."""

    constraint: Constraint | None = None
    keep_p: float | None = None
    keep: bool = True
    degrade: bool = False
    longer: float = 1.0


def _steer(ask: Ask, rng: random.Random, out_seed: int, conditions: Conditions) -> _Steer:
    constraint = retention.find_constraint(ask.instructions)
    keep_p, keep = None, True
    if constraint is not None:
        keep_p = retention.keep_probability(ask.turns, conditions.retention_turns)
        # A generator of its own, from the output's seed: the same conversation at
        # temperature 0 keeps or breaks the same way every time, and no other draw moves.
        keep = random.Random(stable_int(out_seed, "retention")).random() < keep_p
    share = (
        0.0
        if conditions.capacity is None
        else capacity.degrade_share(conditions.in_flight, conditions.capacity)
    )
    # Drawn only under load, so a request alone draws exactly what it always did.
    degrade = share > 0 and rng.random() < share
    return _Steer(constraint, keep_p, keep, degrade, conditions.longer)


def _compose(
    ask: Ask, rng: random.Random, steer: _Steer
) -> tuple[list[str], ToolCall | None, str, str]:
    """The output, its tool call, finish reason, and which rule made it."""
    if ask.forced_tokens is not None:
        return prose(rng, ask.forced_tokens), None, ask.forced_finish, "forced"
    tool = _tool_call(ask, rng)
    if tool is not None:
        return [], tool, "tool_calls", "tool"
    names = questions(ask.last_user)
    if names:
        text = answer_needles(
            names,
            find_needles(ask.text),
            len(ask.text),
            ask.prompt_tokens,
            input_window(ask.offering),
        )
        return split_pieces(text), None, "stop", "needles"
    digits = number_in_words(ask.last_user)
    if digits is not None:
        if steer.degrade:
            digits = _wrong_digit(digits, rng)
        return split_pieces(digits), None, "stop", "digits"
    if steer.constraint is not None:
        reference = retention.find_reference(ask.last_user)
        text = retention.reply(steer.constraint, steer.keep, rng, reference)
        return split_pieces(text), None, "stop", "retention"
    if ask.seen:
        # A model that reads its files says what they show before anything else.
        text = "It is " + " and ".join(ask.seen) + "."
        return split_pieces(text), None, "stop", "media"
    mode = _json_mode(ask)
    if mode is not None:
        schema = ask.schema if ask.schema is not None else schema_in(ask.instructions)
        told = _told(ask.last_user, schema)
        text = _json_text(mode, schema, rng, steer.degrade, told)
        return split_pieces(text), None, "stop", "json"
    low, high = NATURAL_RANGE
    count = int(rng.lognormvariate(0.0, NATURAL_SIGMA) * NATURAL_MEDIAN_TOKENS * steer.longer)
    return prose(rng, min(int(high * steer.longer), max(low, count))), None, "stop", "prose"


def _wrong_digit(digits: str, rng: random.Random) -> str:
    """The number with one digit changed: how a degraded answer gets it wrong."""
    at = rng.randrange(len(digits))
    other = rng.choice([d for d in "0123456789" if d != digits[at]])
    return digits[:at] + other + digits[at + 1 :]


def _diverge(
    ask: Ask, pieces: list[str], tool: ToolCall | None, rng: random.Random, steer: _Steer
) -> tuple[list[str], ToolCall | None]:
    """The same answer up to a point, then another continuation (prose), or another draw
    of the same kind of answer (JSON, tool arguments, numbers, retention answers), which
    keeps it well-formed and a retention answer as kept or broken as it was drawn."""
    is_prose = (
        tool is None
        and steer.constraint is None
        and not questions(ask.last_user)
        and number_in_words(ask.last_user) is None
        and _json_mode(ask) is None
    )
    if is_prose and len(pieces) >= 4:
        cut = rng.randint(int(len(pieces) * 0.3), int(len(pieces) * 0.9))
        tail = prose(rng, len(pieces) - cut)
        tail[0] = " " + tail[0].lstrip()
        if tail[0].rstrip(".") == pieces[cut].rstrip("."):
            tail[0] = " divergent" + ("." if tail[0].endswith(".") else "")
        return pieces[:cut] + tail, None
    other, other_tool, _, _ = _compose(ask, rng, steer)
    return other, other_tool


def _tool_call(ask: Ask, rng: random.Random) -> ToolCall | None:
    if not ask.tools or ask.tool_choice == "none":
        return None
    if ask.tool_choice == "auto" and ask.after_tool_result:
        return None
    chosen = ask.tools[0]
    if ask.tool_choice.startswith("name:"):
        wanted = ask.tool_choice[5:]
        chosen = next((t for t in ask.tools if t.name == wanted), chosen)
    else:
        chosen = next((t for t in ask.tools if t.name in ask.last_user), chosen)
    arguments = json.dumps(instance(chosen.schema or {"type": "object"}, rng))
    call_id = f"call_{rng.getrandbits(64):016x}"
    return ToolCall(call_id, chosen.name, arguments, split_pieces(arguments))


def _json_mode(ask: Ask) -> str | None:
    structured = ask.offering.capabilities.structured_output
    if ask.format_kind == "json_schema":
        if structured.json_schema is True:
            return "strict"
        return "json_mode" if structured.json_mode is True else "prompted"
    if ask.format_kind == "json_object":
        if structured.json_mode is True or structured.json_schema is True:
            return "json_mode"
        return "prompted"
    if "json" in ask.instructions.lower():
        return "prompted"
    return None


def schema_in(text: str) -> dict[str, Any] | None:
    """The first JSON object in `text` that looks like a JSON Schema."""
    decoder = json.JSONDecoder()
    start = text.find("{")
    tries = 0
    while start != -1 and tries < 50:
        tries += 1
        try:
            value, _ = decoder.raw_decode(text, start)
        except ValueError:
            value = None
        if isinstance(value, dict) and ("properties" in value or value.get("type") == "object"):
            return value
        start = text.find("{", start + 1)
    return None


_TOLD: Final = re.compile(
    r'\nSet ("(?:[^"\\]|\\.)*") to ("(?:[^"\\]|\\.)*"|-?\d+|true|false|null)\.$'
)


def _told(last_user: str, schema: dict[str, Any] | None) -> dict[str, Any]:
    """The value a prompt dictates for one of the schema's properties, if it does."""
    found = _TOLD.search(last_user)
    if not found or not schema:
        return {}
    prop = json.loads(found[1])
    return {prop: json.loads(found[2])} if prop in (schema.get("properties") or {}) else {}


def _json_text(
    mode: str,
    schema: dict[str, Any] | None,
    rng: random.Random,
    degrade: bool = False,
    told: dict[str, Any] | None = None,
) -> str:
    value = instance(schema or {"type": "object"}, rng)
    if told and isinstance(value, dict) and not degrade:
        value.update(told)
    if degrade:
        # Constrained decoding still gives valid JSON under load, only other values; the
        # other modes lose the schema.
        if mode != "strict":
            return json.dumps(violate(value, schema or {}, rng))
        other = value
        for _ in range(8):  # another value where the schema allows one
            other = instance(schema or {"type": "object"}, rng)
            if other != value:
                break
        return json.dumps(other)
    valid, broken, fenced = JSON_RATES[mode]
    draw = rng.random()
    if draw < valid:
        return json.dumps(value)
    if draw < valid + broken:
        return json.dumps(violate(value, schema or {}, rng))
    if draw < valid + broken + fenced:
        return "```json\n" + json.dumps(value, indent=2) + "\n```"
    text = json.dumps(value)
    if rng.random() < 0.5 and len(text) > 2:
        return text[: max(1, int(len(text) * rng.uniform(0.5, 0.9)))]
    return text + "\nLet me know if you need anything else."
