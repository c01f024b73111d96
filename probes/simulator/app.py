"""Routing and orchestration: which offering, which wire, which faults, and ground truth.

URL scheme (see docs/simulator.md):

- `/p/<provider-id><base path>/...`: one provider exactly as its API looks, where `<base
  path>` is the path of the provider's catalog `base_url` (`/v1` for OpenAI,
  `/openai/v1` for Groq, empty for DeepSeek, `/v1beta` for Google). Model = the offering's
  API model id or an alias.
- `/openai/v1/...`, `/anthropic/v1/...`, `/gemini/v1beta/...`: any offering over that wire;
  model = the offering key `provider/model-id`, or an id or alias that only one offering has.
- `/_sim/health` and `/` describe the server; `/_sim/offerings` lists every offering with
  its simulated base URL; `/_sim/truth` gives the ground truth kept for streamed requests
  that asked for it (`x-sim-truth: keep`).

Every response carries `x-advisor-simulated: true` and, for model calls, the offering
served (`x-sim-offering`) and the ground truth: intended TTFT, ITL and E2E, the request's
arrival on the server's clocks, and the faults that fired.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from catalog import Catalog, Offering, Provider
from probes.simulator import behaviour, retention
from probes.simulator.behaviour import (
    Ask,
    BadRequest,
    ModelNotFound,
    RateLimited,
    ServerFault,
    SimError,
    is_retired,
)
from probes.simulator.capacity import InFlight, capacity
from probes.simulator.faults import Fault, FaultError, FaultState, apply_faults, parse_faults
from probes.simulator.listing import anthropic_models, gemini_models, openai_models
from probes.simulator.ratelimit import RateLimiter, catalog_limits
from probes.simulator.text import stable_int
from probes.simulator.timing import TimingModel, timing_model
from probes.simulator.transport import Reply, Request, TokenMarks
from probes.simulator.wire import Context, Wire, dumps
from probes.simulator.wire_anthropic import AnthropicWire
from probes.simulator.wire_gemini import GeminiWire
from probes.simulator.wire_openai import OpenAIWire

WIRE_OF_API: Final = {
    "openai": "openai",
    "openai-compatible": "openai",
    "anthropic": "anthropic",
    "gemini": "gemini",
}
GENERIC_ROOTS: Final = {
    "/openai/v1": "openai",
    "/anthropic/v1": "anthropic",
    "/gemini/v1beta": "gemini",
}
STORM_RETRY_S: Final = 1.0
TRUTH_KEPT: Final = 100_000
"""Ground-truth records kept for `/_sim/truth`: the most recent ones win."""
ASKED_KEPT: Final = 200_000
"""Distinct requests whose repeats the server counts (some tens of MB at most)."""


@dataclass(frozen=True)
class SimConfig:
    """Server-wide knobs."""

    time_scale: float = 1.0
    """Multiplies every simulated duration (latency, stalls, delays); 0.01 runs 100× faster."""
    faults: tuple[Fault, ...] = ()
    offering_faults: Mapping[str, tuple[Fault, ...]] = field(default_factory=dict)
    """Faults for one offering each, by offering key, on top of `faults`."""
    seed: int | None = None
    """Seeds per-request randomness (jitter, divergence, fault draws); None picks one."""
    rpm: int | None = None
    """Requests per minute for every offering, over the catalog's own limits."""
    tpm: int | None = None
    retention_turns: float | None = None
    """Every offering's retention horizon in turns, over the per-offering defaults."""
    capacity: int | None = None
    """Every offering's requests in flight before answers degrade, over the defaults."""
    head_ms: float = 20.0
    """When a stream's head goes out (capped at the first token)."""
    error_ms: float = 30.0
    """How long a refusal takes."""


def base_path(provider: Provider) -> str:
    """The path part of a provider's catalog base URL, without a trailing slash."""
    return urlsplit(provider.base_url).path.rstrip("/")


def sim_base_url(root: str, provider: Provider) -> str:
    """The simulator's stand-in for `provider.base_url`, on a server at `root`
    (e.g. http://127.0.0.1:8123): the same path under `/p/<provider-id>`."""
    return f"{root.rstrip('/')}/p/{provider.id}{base_path(provider)}"


class Simulator:
    """The request handler: a plain function of a parsed request (see transport.Handler)."""

    def __init__(self, catalog: Catalog, config: SimConfig | None = None) -> None:
        self.catalog = catalog
        self.config = config or SimConfig()
        self.seed = (
            self.config.seed
            if self.config.seed is not None
            else random.SystemRandom().getrandbits(32)
        )
        self.scale = self.config.time_scale
        self.counter = 0
        self.asked: dict[str, int] = {}
        """How many times each request (by its target and body) has been received."""
        self.faults = FaultState(self.config.faults)
        self.limiter = RateLimiter(self.config.rpm, self.config.tpm)
        self.wires: dict[str, Wire] = {
            "openai": OpenAIWire(),
            "anthropic": AnthropicWire(),
            "gemini": GeminiWire(),
        }
        self.by_key: dict[str, Offering] = {o.key: o for o in catalog.offerings}
        self.by_provider: dict[str, dict[str, Offering]] = {}
        self.by_id: dict[str, list[Offering]] = {}
        for offering in catalog.offerings:
            names = self.by_provider.setdefault(offering.provider, {})
            for name in (offering.id, *offering.aliases):
                names.setdefault(name, offering)
                self.by_id.setdefault(name, []).append(offering)
        self.timings: dict[str, TimingModel] = {}
        self.in_flight = InFlight()
        self.truth: deque[tuple[dict[str, Any], TokenMarks]] = deque(maxlen=TRUTH_KEPT)
        unknown = sorted(set(self.config.offering_faults) - set(self.by_key))
        if unknown:
            raise FaultError(
                f"offering faults: no offering {unknown[0]!r} in the catalog "
                "(name offerings by their key, provider/model-id)"
            )
        self.offering_faults = {
            key: FaultState(profile) for key, profile in self.config.offering_faults.items()
        }

    # -- entry point ------------------------------------------------------------------

    def __call__(self, request: Request) -> Reply:
        path = request.path
        if path in ("/", "/_sim/health"):
            return self._json(200, self.describe())
        if path == "/_sim/offerings":
            return self._json(200, {"offerings": self.offering_list()})
        if path == "/_sim/truth":
            return self._json(200, {"requests": self.truth_records()})
        if path.startswith("/p/"):
            provider_id, _, _ = path[3:].partition("/")
            provider = self.catalog.providers.get(provider_id)
            if provider is None:
                return self._not_found(f"no provider {provider_id!r} in the catalog")
            root = f"/p/{provider_id}{base_path(provider)}"
            if not (path == root or path.startswith(root + "/")):
                return self._not_found(f"{provider_id}'s API root here is {root}")
            return self._endpoint(
                request, WIRE_OF_API[provider.api], provider_id, path[len(root) :]
            )
        for root, wire in GENERIC_ROOTS.items():
            if path.startswith(root + "/"):
                return self._endpoint(request, wire, None, path[len(root) :])
        return self._not_found("unknown path; see /_sim/health")

    def describe(self) -> dict[str, Any]:
        """What /_sim/health answers."""
        return {
            "simulated": True,
            "offerings": len(self.catalog.offerings),
            "providers": sorted(self.catalog.providers),
            "time_scale": self.scale,
            "faults": ",".join(map(str, self.config.faults)),
            "offering_faults": {
                key: ",".join(map(str, profile))
                for key, profile in self.config.offering_faults.items()
            },
            "seed": self.seed,
            "requests": self.counter,
        }

    def offering_list(self) -> list[dict[str, Any]]:
        """Every offering with its simulated base URL path and wire."""
        out = []
        for offering in self.catalog.offerings:
            provider = self.catalog.providers[offering.provider]
            out.append(
                {
                    "key": offering.key,
                    "id": offering.id,
                    "provider": offering.provider,
                    "wire": WIRE_OF_API[provider.api],
                    "base_path": f"/p/{provider.id}{base_path(provider)}",
                    "retired": is_retired(offering),
                }
            )
        return out

    def truth_records(self) -> list[dict[str, Any]]:
        """What /_sim/truth answers: per streamed request sent with `x-sim-truth: keep`
        (the latest TRUTH_KEPT), oldest first, its id, arrival, intended first and last
        token offsets and those tokens' due and sent stamps (null until sent)."""
        out = []
        for record, marks in self.truth:
            first_due, first_sent = marks.first or (None, None)
            last_due, last_sent = marks.last or (None, None)
            out.append(
                record
                | {
                    "first_token_due_ns": first_due,
                    "first_token_sent_ns": first_sent,
                    "last_token_due_ns": last_due,
                    "last_token_sent_ns": last_sent,
                }
            )
        return out

    # -- routing ----------------------------------------------------------------------

    def _endpoint(self, request: Request, wire_name: str, scope: str | None, rest: str) -> Reply:
        wire = self.wires[wire_name]
        method = request.method
        if wire_name == "openai":
            if rest == "/chat/completions" and method == "POST":
                return self.complete(request, wire, scope)
            if rest == "/models" and method == "GET":
                return self._json(200, openai_models(self.catalog, scope))
            if rest.startswith("/models/") and method == "GET":
                return self._model_info(wire, scope, rest[len("/models/") :])
        elif wire_name == "anthropic":
            if rest == "/messages" and method == "POST":
                return self.complete(request, wire, scope)
            if rest == "/messages/count_tokens" and method == "POST":
                return self._count_tokens(request, wire, scope)
            if rest == "/models" and method == "GET":
                return self._json(200, anthropic_models(self.catalog, scope))
        else:
            if rest == "/models" and method == "GET":
                return self._json(200, gemini_models(self.catalog, scope))
            if rest.startswith("/models/") and ":" in rest and method == "POST":
                model, _, verb = rest[len("/models/") :].rpartition(":")
                if verb in ("generateContent", "streamGenerateContent"):
                    stream = verb == "streamGenerateContent"
                    sse = parse_qs(request.query).get("alt") == ["sse"]
                    return self.complete(request, wire, scope, model=model, stream=stream, sse=sse)
                if verb == "countTokens":
                    return self._count_tokens(request, wire, scope, model=model)
        return self._not_found(f"no {wire_name} endpoint {method} {rest or '/'}")

    def resolve(self, model: str, scope: str | None) -> Offering:
        """The offering a model name means on this route; raises ModelNotFound."""
        if scope is not None:
            offering = self.by_provider.get(scope, {}).get(model)
            if offering is None:
                raise ModelNotFound(model)
        else:
            offering = self.by_key.get(model)
            if offering is None:
                found = self.by_id.get(model, [])
                if len(found) > 1:
                    raise ModelNotFound(model, ambiguous=tuple(o.key for o in found))
                if not found:
                    raise ModelNotFound(model)
                offering = found[0]
        if is_retired(offering):
            raise ModelNotFound(model, retired=True)
        return offering

    # -- model calls ------------------------------------------------------------------

    def _request_seed(self, request: Request, scope: str | None, model: str | None) -> int:
        """The seed of a request's randomness: the server's seed, what was asked and how many
        times the same request came before. Two runs on one seed draw the same latency and
        divergence for the same request whatever else they send and in whatever order
        (common random numbers), so runs that differ only in what they ask compare on equal
        terms; a repeat of a request still draws afresh."""
        asked = hashlib.blake2b(request.body, digest_size=16).hexdigest()
        key = f"{scope}\x1f{model}\x1f{request.path}\x1f{asked}"
        if len(self.asked) >= ASKED_KEPT:
            # A long-lived server forgets: a request first seen again afterwards counts
            # from one again, which only matters for repeats spread that far apart.
            self.asked.clear()
        seen = self.asked[key] = self.asked.get(key, 0) + 1
        return stable_int(self.seed, key, seen)

    def complete(
        self,
        request: Request,
        wire: Wire,
        scope: str | None,
        model: str | None = None,
        stream: bool | None = None,
        sse: bool = True,
    ) -> Reply:
        """One model call: everything from the body to the scheduled reply."""
        self.counter += 1
        number = self.counter
        headers = request.headers
        seed_text = headers.get("x-sim-seed")
        request_seed = (
            stable_int(seed_text) if seed_text else self._request_seed(request, scope, model)
        )
        rng = random.Random(request_seed)
        ctx = Context(
            model=model or "",
            request_id=_request_id(wire.name, rng),
            created=int(time.time()),
            stream=bool(stream),
            sse=sse,
        )
        out_headers = [
            ("x-advisor-simulated", "true"),
            ("x-sim-request", str(number)),
            ("x-sim-seed", seed_text or str(request_seed)),
            ("x-sim-received-unix-ns", str(request.received_unix_ns)),
            ("x-sim-time-scale", f"{self.scale:g}"),
            (_id_header(wire.name), ctx.request_id),
        ]
        error_at = int(self.config.error_ms * 1e6 * self.scale)
        fired: dict[str, tuple[Fault, int]] = {}
        try:
            body = _json_body(request.body)
            if model is None:
                model = body.get("model") if isinstance(body, dict) else None
                if not isinstance(model, str) or not model:
                    raise BadRequest("you must provide a model parameter", "model", None)
            ctx.model = model
            offering = self.resolve(model, scope)
            ctx.model = offering.id
            out_headers.append(("x-sim-offering", offering.key))
            if stream is None:
                ctx.stream = isinstance(body, dict) and body.get("stream") is True
            try:
                per_request = parse_faults(headers.get("x-sim-faults"))
            except FaultError as error:
                raise BadRequest(f"x-sim-faults: {error}") from None
            scoped = self.offering_faults.get(offering.key)
            if scoped is None:
                fired = self.faults.fire(per_request, rng)
            else:  # server-wide, then this offering's, then this request's: later wins
                fired = self.faults.fire((), rng) | scoped.fire(per_request, rng)
            if fired:
                out_headers.append(("x-sim-faults", ",".join(str(f) for f, _ in fired.values())))
            if "reset" in fired:
                return Reply(0, head_at=error_at, end="reset")
            if "5xx-burst" in fired:
                raise ServerFault(overloaded=fired["5xx-burst"][1] % 2 == 0)
            if "429-storm" in fired:
                rpm = catalog_limits(offering)[0] or self.config.rpm or 60
                raise RateLimited("requests", rpm, rpm, 1, STORM_RETRY_S * max(self.scale, 0.001))
            ask = wire.parse(body, offering, ctx)
            self._sim_knobs(ask, headers)
            out_headers += self._count(wire, offering, ask)
            behaviour.check(ask)
            timing = self._timing(offering)
            conditions = behaviour.Conditions(
                retention_turns=retention.horizon(offering, self.config.retention_turns),
                in_flight=self.in_flight.arrive(offering.key, request.received_ns),
                capacity=capacity(offering, self.config.capacity),
                longer=(fired["longer"][0].value or 1.0) if "longer" in fired else 1.0,
                build=int(fired["rebuild"][0].value or 0) if "rebuild" in fired else 0,
            )
            answer = behaviour.answer(ask, rng, timing, self.scale, conditions)
            self.in_flight.started(offering.key, request.received_ns + answer.offsets[-1])
            ctx.head_at = min(int(self.config.head_ms * 1e6 * self.scale), answer.offsets[0])
            rendered = wire.render(ask, answer, ctx)
        except SimError as error:
            reply = wire.error(error, ctx)
            if isinstance(error, RateLimited):
                out_headers += error.headers
            return Reply(
                reply.status,
                [("content-type", "application/json"), *out_headers, *reply.headers],
                body=reply.body,
                head_at=error_at,
            )
        first = answer.offsets[0]
        gaps = (answer.offsets[-1] - first) / max(1, len(answer.offsets) - 1)
        out_headers += [
            ("x-sim-ttft-ms", f"{first / 1e6:.3f}"),
            ("x-sim-itl-ms", f"{gaps / 1e6:.3f}"),
            ("x-sim-e2e-ms", f"{answer.offsets[-1] / 1e6:.3f}"),
            ("x-sim-output-tokens", str(answer.output_tokens)),
            ("x-sim-timing-source", timing.source),
            ("x-sim-diverged", "true" if answer.diverged else "false"),
            ("x-sim-in-flight", str(conditions.in_flight)),
            ("x-sim-capacity", str(conditions.capacity)),
            ("x-sim-degraded", "true" if answer.degraded else "false"),
        ]
        if answer.constraint is not None:
            out_headers += [
                ("x-sim-turn", str(ask.turns)),
                ("x-sim-constraint", answer.constraint.kind),
                ("x-sim-retention-turns", f"{conditions.retention_turns:.2f}"),
                ("x-sim-keep-p", f"{answer.keep_p:.4f}"),
                ("x-sim-constraint-kept", "true" if answer.kept else "false"),
            ]
        scheduled = apply_faults(rendered, fired, out_headers, answer.offsets, rng, self.scale)
        if headers.get("x-sim-truth") == "keep" and scheduled.events is not None:
            scheduled.marks = TokenMarks(first, answer.offsets[-1])
            record = {
                "id": ctx.request_id,
                "request": number,
                "offering": offering.key,
                "received_ns": request.received_ns,
                "received_unix_ns": request.received_unix_ns,
                "ttft_ns": first,
                "e2e_ns": answer.offsets[-1],
            }
            self.truth.append((record, scheduled.marks))
        return scheduled

    def _count(self, wire: Wire, offering: Offering, ask: Ask) -> list[tuple[str, str]]:
        """Count the request against the offering's rate limits: the headers to send, or
        RateLimited (carrying the same headers) when a limit refuses it."""
        state = self.limiter.check(offering, ask.prompt_tokens + (ask.max_tokens or 0))
        if state is None:
            return []
        headers = wire.rate_headers(state)
        if state.kind is None:
            return headers
        by_requests = state.kind == "requests"
        limit = (state.limit_requests if by_requests else state.limit_tokens) or 0
        remaining = (state.remaining_requests if by_requests else state.remaining_tokens) or 0
        requested = 1 if by_requests else state.requested_tokens
        raise RateLimited(
            state.kind, limit, limit - remaining, requested, state.retry_after, headers
        )

    def _sim_knobs(self, ask: Ask, headers: dict[str, str]) -> None:
        """Request headers that steer the simulation itself (never sent to a real API)."""
        forced = headers.get("x-sim-output-tokens")
        if forced is not None:
            try:
                count = int(forced)
            except ValueError:
                raise BadRequest("x-sim-output-tokens must be an integer") from None
            if count < 1:
                raise BadRequest("x-sim-output-tokens must be at least 1")
            ask.forced_tokens, ask.forced_finish = count, "stop"

    def _timing(self, offering: Offering) -> TimingModel:
        found = self.timings.get(offering.key)
        if found is None:
            found = self.timings[offering.key] = timing_model(offering)
        return found

    # -- small endpoints --------------------------------------------------------------

    def _count_tokens(
        self, request: Request, wire: Wire, scope: str | None, model: str | None = None
    ) -> Reply:
        ctx = Context(
            model=model or "",
            request_id=_request_id(wire.name, random.Random()),
            created=0,
            stream=False,
        )
        try:
            body = _json_body(request.body)
            if model is None:
                model = body.get("model") if isinstance(body, dict) else None
                if not isinstance(model, str):
                    raise BadRequest("model: Field required")
            offering = self.resolve(model, scope)
            ctx.model = offering.id
            if (
                wire.name == "gemini"
                and isinstance(body, dict)
                and "generateContentRequest" in body
            ):
                body = body["generateContentRequest"]
            if wire.name == "anthropic" and isinstance(body, dict):
                body = {**body, "max_tokens": 1}
            ask = wire.parse(body, offering, ctx)
        except SimError as error:
            reply = wire.error(error, ctx)
            return Reply(
                reply.status,
                [("content-type", "application/json"), ("x-advisor-simulated", "true")],
                body=reply.body,
            )
        if wire.name == "gemini":
            return self._json(200, {"totalTokens": ask.prompt_tokens})
        return self._json(200, {"input_tokens": ask.prompt_tokens})

    def _model_info(self, wire: Wire, scope: str | None, model: str) -> Reply:
        try:
            offering = self.resolve(model, scope)
        except SimError as error:
            ctx = Context(model=model, request_id="", created=0, stream=False)
            reply = wire.error(error, ctx)
            return Reply(
                reply.status,
                [("content-type", "application/json"), ("x-advisor-simulated", "true")],
                body=reply.body,
            )
        return self._json(
            200,
            {"id": model, "object": "model", "created": 0, "owned_by": offering.provider},
        )

    def _json(self, status: int, value: Any) -> Reply:
        return Reply(
            status,
            [("content-type", "application/json"), ("x-advisor-simulated", "true")],
            body=dumps(value),
        )

    def _not_found(self, message: str) -> Reply:
        return self._json(
            404,
            {"error": {"message": message, "type": "invalid_request_error", "code": "not_found"}},
        )


def _json_body(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        raise BadRequest(
            "We could not parse the JSON body of your request. The API expects a JSON payload."
        ) from None


def _request_id(wire: str, rng: random.Random) -> str:
    bits = f"{rng.getrandbits(96):024x}"
    if wire == "openai":
        return "chatcmpl-sim" + bits
    if wire == "anthropic":
        return "msg_sim" + bits
    return "sim" + bits


def _id_header(wire: str) -> str:
    return {"openai": "x-request-id", "anthropic": "request-id"}.get(wire, "x-goog-request-id")
