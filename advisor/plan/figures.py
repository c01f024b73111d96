"""The figures a plan rests on, each taken from the best source there is: a probe run first,
then the catalog, and labelled with where it came from."""

from __future__ import annotations

from dataclasses import dataclass

from advisor.match.matching import Candidate
from advisor.plan.model import Basis, Origin
from advisor.probe.measured import OfferingMeasures, RunMeasures
from catalog import Offering
from probes import stats
from probes.decide import (
    MAX_ERROR_RATE,
    MIN_AGREEMENT,
    MIN_RECALL,
    MIN_SCHEMA_VALID,
    bound_fails,
)


@dataclass(frozen=True)
class Figures:
    """What is known about one candidate of one workload."""

    candidate: Candidate
    measures: OfferingMeasures | None
    origin: Origin
    """`measured` or `simulated` when a run probed it; `catalog` otherwise."""

    @property
    def offering(self) -> Offering:
        return self.candidate.offering

    @property
    def probed(self) -> bool:
        return self.measures is not None

    def measured(self, name: str, label: str, unit: str) -> Basis | None:
        """A probe figure (`probe.metric`) as a Basis, if the run has it."""
        m = self.measures.get(name) if self.measures else None
        return Basis(label, m.value, unit, self.origin, m.n) if m else None

    def catalog_perf(self, metric: str, percentile: str, label: str, unit: str) -> Basis | None:
        """A performance figure the catalog cites, if it has one."""
        for figure in self.offering.performance:
            if figure.metric == metric and figure.percentile == percentile:
                return Basis(label, figure.value, unit, "catalog")
        return None

    def ttft(self, percentile: str) -> Basis | None:
        label = f"{percentile} TTFT"
        return self.measured(f"latency.ttft_ms_{percentile}", label, "ms") or self.catalog_perf(
            "ttft_ms", percentile, label, "ms"
        )

    def e2e(self, percentile: str) -> Basis | None:
        """End-to-end time: measured, or the catalog's TTFT plus output at its tokens/s."""
        label = f"{percentile} end-to-end"
        measured = self.measured(f"latency.e2e_ms_{percentile}", label, "ms")
        if measured:
            return measured
        direct = self.catalog_perf("e2e_ms", percentile, label, "ms")
        if direct:
            return direct
        ttft = self.catalog_perf("ttft_ms", percentile, label, "ms")
        tps = self.catalog_perf("output_tps", "p50", label, "tokens/s")
        if ttft is None or tps is None or tps.value <= 0:
            return None
        tokens = self.candidate.workload.output_tokens
        return Basis(label, ttft.value + 1000 * tokens / tps.value, "ms", "catalog")

    def cost(self) -> Basis | None:
        """Cost per 1,000 requests of this workload, from catalog prices."""
        per_1k = self.candidate.cost.per_1k
        return Basis("cost", per_1k, "USD/1k", "catalog") if per_1k is not None else None

    def error_rate(self) -> Basis | None:
        m = self.measures
        rate = m.error_rate if m else None
        if m is None or rate is None:
            return None
        return Basis("error rate", rate, "share", self.origin, m.attempts)

    def agreement(self) -> Basis | None:
        """Share of repeats that gave the modal answer (the determinism probe)."""
        return self.measured("determinism.agreement", "determinism agreement", "share")

    def rpm_limit(self) -> Basis | None:
        """Requests per minute before 429s: the rate-limit probe's first 429, else the catalog."""
        first = self.measured("ratelimit.first_429_rps", "rate limit", "rpm")
        if first:
            return Basis("rate limit", first.value * 60, "rpm", first.origin, first.n)
        limits = [r.rpm for r in self.offering.rate_limits if r.rpm]
        return Basis("rate limit", float(limits[0]), "rpm", "catalog") if limits else None

    def context_window(self) -> int:
        limits = self.offering.limits
        return limits.input or limits.context or 0


def figures_for(candidate: Candidate, measures: RunMeasures | None) -> Figures:
    """Figures of one candidate, from `measures` where the run probed it."""
    name = candidate.workload.name
    measured = measures.of(name, candidate.offering.key) if measures else None
    origin: Origin = "catalog"
    if measured is not None and measures is not None:
        origin = "simulated" if measures.simulated else "measured"
    return Figures(candidate, measured, origin)


def measured_problem(f: Figures) -> str | None:
    """Why probes say this candidate should not serve the workload, or None."""
    w = f.candidate.workload
    if f.measures is None:
        return None
    for metric, label, budget in (
        ("ttft_ms", "p95 TTFT", w.latency.ttft_p95_ms),
        ("e2e_ms", "p95 end-to-end", w.latency.e2e_p95_ms),
    ):
        over = _over_budget(f, metric, label, budget)
        if over:
            return over
    # Shares rule a candidate out only when the evidence is clear: the whole 95 % interval
    # lies on the wrong side, so one miss in nine needles does not outweigh the ranking.
    errors = f.error_rate()
    if errors and wilson(errors)[0] > MAX_ERROR_RATE:
        return f"{errors} clearly above {MAX_ERROR_RATE:.0%}"
    if w.structured_output == "json_schema":
        for name in ("structured.schema_valid_rate", "samples.schema_valid_rate"):
            valid = f.measured(name, "schema-valid", "share")
            if valid and wilson(valid)[1] < MIN_SCHEMA_VALID:
                return f"{valid} clearly below {MIN_SCHEMA_VALID:.0%}"
    agreement = f.agreement()
    if w.determinism == "strict" and agreement and wilson(agreement)[1] < MIN_AGREEMENT:
        return f"{agreement}: repeats clearly differ at temperature 0"
    for modality in ("image", "pdf"):
        accepted = f.measured(f"modality.{modality}_accepted", f"{modality} input", "share")
        if accepted and accepted.value == 0 and modality in w.modalities:
            return f"refused a {modality} input"  # one refusal is proof
    recall = f.measured("context.needle_recall", "long-context recall", "share")
    if recall and wilson(recall)[1] < MIN_RECALL:
        return f"{recall} clearly below {MIN_RECALL:.0%}"
    return None


def measured_remark(f: Figures) -> str | None:
    """What probes saw that is worth a word but decides nothing: repeats of a strict
    workload that differed too rarely to rule the candidate out."""
    agreement = f.agreement()
    if f.candidate.workload.determinism == "strict" and agreement and agreement.value < 1.0:
        return (
            f"{f.offering.key}: {agreement}, some repeats differed at temperature 0 "
            "(best-effort determinism): too few to rule it out"
        )
    return None


def _over_budget(f: Figures, metric: str, label: str, budget: float | None) -> str | None:
    """Why a measured p95 is clearly over the workload's budget, or None. The bar is judged
    by the percentile's lower bound; runs stored before the bound was recorded have only
    the estimate, which then stands in for it."""
    estimate = f.measured(f"latency.{metric}_p95", label, "ms")
    if estimate is None or budget is None:
        return None
    lower = f.measured(f"latency.{metric}_p95_lower", label, "ms")
    bound = lower.value if lower is not None else estimate.value
    if not bound_fails(bound, estimate.n or 0, budget):
        return None
    clearly = f", at least {lower.value:,.0f} ms at 95 %," if lower is not None else ""
    return f"{estimate}{clearly} over the {budget:g} ms budget"


def wilson(share: Basis, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval (95 % by default) of a share measured over `n` trials; with
    no trials, the whole range."""
    return stats.wilson(share.value * (share.n or 0), share.n or 0, z)
