"""The LiteLLM proxy's Prometheus `/metrics` (with `callbacks: ["prometheus"]` in its
`litellm_settings`, and the `prometheus_client` package installed beside the proxy; LiteLLM
1.110 serves it without a licence, to clients sending the master key).

Per deployment, labelled `model_id` (the export's `WORKLOAD:ROLE`): success and failure
counters (`litellm_deployment_success_responses`, `litellm_deployment_failure_responses`) and
two latency histograms, time to first token for streamed requests
(`litellm_llm_api_time_to_first_token_metric`) and the provider call's whole time
(`litellm_llm_api_latency_metric`). The first is used when it has observations; without
streamed requests the whole call is the time to the first token. Counters run from the
proxy's start: a canary is judged on everything since.

The text exposition format is parsed here (a few dozen lines); no client library.
"""

from __future__ import annotations

import math
import urllib.error
import urllib.request
from collections import defaultdict
from dataclasses import dataclass

from advisor.watch.look import Arm, ArmName, Latencies, Look
from advisor.watch.sources import Roles, SourceError

SUCCESS = "litellm_deployment_success_responses_total"
FAILURE = "litellm_deployment_failure_responses_total"
TTFT = "litellm_llm_api_time_to_first_token_metric_bucket"
LATENCY = "litellm_llm_api_latency_metric_bucket"
TIMEOUT_S = 10.0
MAX_BYTES = 64 * 1024 * 1024
"""A scrape larger than this is cut: a proxy with many keys and teams writes a lot."""


@dataclass(frozen=True)
class Sample:
    """One line of the exposition: a metric name, its labels, its value."""

    name: str
    labels: dict[str, str]
    value: float


def parse(text: str) -> list[Sample]:
    """Samples of the Prometheus text format (comments skipped); ValueError on a bad line."""
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            out.append(_sample(line))
        except (ValueError, IndexError) as error:
            raise ValueError(f"line {number}: {error}: {line[:120]}") from None
    return out


def _sample(line: str) -> Sample:
    brace = line.find("{")
    space = line.find(" ")
    labels: dict[str, str] = {}
    if brace != -1 and (space == -1 or brace < space):
        name = line[:brace]
        i = brace + 1
        while line[i] != "}":
            eq = line.index("=", i)
            key = line[i:eq].strip().lstrip(",").strip()
            if line[eq + 1] != '"':
                raise ValueError("a label value must be quoted")
            i, value = _quoted(line, eq + 2)
            labels[key] = value
            while line[i] in ", ":
                i += 1
        rest = line[i + 1 :].split()
    else:
        name, *rest = line.split()
    if not rest:
        raise ValueError("no value")
    return Sample(name, labels, _number(rest[0]))


def _quoted(line: str, i: int) -> tuple[int, str]:
    """The label value starting at `i` (after its opening quote), and the index past it."""
    out = []
    while line[i] != '"':
        if line[i] == "\\":
            i += 1
            out.append({"n": "\n"}.get(line[i], line[i]))
        else:
            out.append(line[i])
        i += 1
    return i + 1, "".join(out)


def _number(text: str) -> float:
    special = {"+Inf": math.inf, "-Inf": -math.inf, "NaN": math.nan}
    return special[text] if text in special else float(text)


def scrape(url: str, api_key: str | None = None) -> str:
    """The text at `url`, sent with the proxy's key as a bearer token when given (LiteLLM
    1.110 asks for one unless `require_auth_for_metrics_endpoint: false`); SourceError when
    it cannot be fetched."""
    if not url.startswith(("http://", "https://")):
        raise SourceError(f"{url!r}: the metrics URL must start with http:// or https://")
    request = urllib.request.Request(url)  # stdlib: the core loads no HTTP library for a GET
    if api_key:
        request.add_header("Authorization", f"Bearer {api_key}")
    try:
        # urllib follows the proxy's redirect of /metrics to /metrics/, keeping the header
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
            return str(response.read(MAX_BYTES).decode("utf-8", "replace"))
    except urllib.error.HTTPError as error:
        body = error.read(200).decode("utf-8", "replace")
        raise SourceError(f"{url} answered {error.code}: {body}") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise SourceError(f"cannot read {url}: {error}") from None


def read(url: str, roles: Roles, api_key: str | None = None) -> Look:
    """The canary's and the baseline's traffic, from the proxy's metrics at `url`."""
    text = scrape(url, api_key)
    try:
        samples = parse(text)
    except ValueError as error:
        raise SourceError(f"{url} is not Prometheus text: {error}") from None
    if not any(s.name.startswith("litellm_") for s in samples):
        raise SourceError(
            f"{url} has no litellm_ metrics: is the proxy running with "
            'litellm_settings: {callbacks: ["prometheus"]}?'
        )
    return traffic_of(samples, roles, f"the LiteLLM proxy's metrics at {url}")


def traffic_of(samples: list[Sample], roles: Roles, source: str) -> Look:
    """Both arms from parsed samples."""
    counts: dict[tuple[ArmName, str], float] = defaultdict(float)
    buckets: dict[tuple[ArmName, str], dict[float, float]] = defaultdict(lambda: defaultdict(float))
    for s in samples:
        arm = roles.arm(s.labels.get("model_id"))
        if arm is None:
            continue
        if s.name in (SUCCESS, FAILURE):
            counts[arm, s.name] += s.value
        elif s.name in (TTFT, LATENCY):
            # Label sets other than the deployment's (keys, teams) are summed bucket by bucket.
            buckets[arm, s.name][_number(s.labels.get("le", "+Inf"))] += s.value
    notes = []
    arms: dict[ArmName, Arm] = {}
    side: ArmName
    for side in ("canary", "baseline"):
        ok, failed = counts[side, SUCCESS], counts[side, FAILURE]
        ttft, whole = buckets[side, TTFT], buckets[side, LATENCY]
        hist = ttft if ttft.get(math.inf) else whole
        if hist is whole and whole.get(math.inf):
            notes.append(f"{side}: no streamed requests; the whole call counts as the first token")
        arms[side] = Arm(
            requests=int(ok + failed),
            errors=int(failed),
            ttft_ms=Latencies(
                buckets=tuple((edge * 1000, int(c)) for edge, c in sorted(hist.items()))
            ),
        )
    return Look(arms["canary"], arms["baseline"], source, tuple(notes))
