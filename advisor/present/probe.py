"""Probe figures as tables and JSON, always saying whether they were measured live or simulated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.console import RenderableType
from rich.text import Text

from advisor.columns import Column, fit, legend, short_key
from advisor.present.layout import RichCell, laid_out
from probes.kinds.base import Figure
from probes.run import RunOutcome

# (column, probe, metric, format): the headline figure of each probe kind.
HEADLINES = (
    ("TTFT p50", "latency", "ttft_ms_p50", "{:.0f} ms"),
    ("TTFT p95", "latency", "ttft_ms_p95", "{:.0f} ms"),
    ("E2E p95", "latency", "e2e_ms_p95", "{:.0f} ms"),
    ("ITL p50", "latency", "itl_ms_p50", "{:.1f} ms"),
    ("agree", "determinism", "agreement", "{:.0%}"),
    ("needles", "context", "needle_recall", "{:.0%}"),
    ("schema ok", "structured", "schema_valid_rate", "{:.0%}"),
    ("samples ok", "samples", "expected_agreement", "{:.0%}"),
    ("kept", "retention", "kept_share", "{:.0%}"),
    ("correct@load", "correctness", "load_correct_share", "{:.0%}"),
)


def _by_metric(figures: list[Figure]) -> dict[str, Figure]:
    return {f.metric: f for f in figures}


RESULT_COLUMNS = (
    Column("offering", key=True),
    *(Column(column, right=True) for column, *_ in HEADLINES),
)


def results_table(
    outcome: RunOutcome, workload: str, simulated: bool, width: int = 120
) -> RenderableType:
    """One row per probed offering of `workload`, headline figures with their sample counts;
    probe kinds that did not run take no column (`advisor.columns`)."""
    label = "simulated" if simulated else "live"
    rows: list[list[RichCell]] = []
    for offering in sorted({key for (w, key, _) in outcome.figures if w == workload}):
        cells: list[RichCell] = [offering]
        for _, probe, metric, fmt in HEADLINES:
            figure = _by_metric(outcome.figures.get((workload, offering, probe), [])).get(metric)
            cells.append(None if figure is None or figure.value is None else _cell(figure, fmt))
        rows.append(cells)
    return laid_out(RESULT_COLUMNS, rows, width, title=f"{workload}: probe results ({label})")


@dataclass(frozen=True)
class SampleAnswer:
    """One offering's answer to one of the workload's samples."""

    output: str
    outcome: str
    schema: str | None
    """'valid', 'schema_broken', 'fenced', 'invalid', or None without a response schema."""
    agrees: bool | None
    """Agreement with the sample's `expected`; None when it has none or no answer came."""
    ttft_ms: float | None = None
    e2e_ms: float | None = None

    @property
    def mark(self) -> str:
        """What is wrong with its form, if anything: ✗schema, ✗fenced, ✗json."""
        return SCHEMA_MARKS.get(self.schema or "", "")

    @property
    def style(self) -> str:
        """Green when it agrees with `expected`, red when it does not."""
        if self.agrees is None:
            return ""
        return "green" if self.agrees else "red"


SCHEMA_MARKS = {"schema_broken": "✗schema", "fenced": "✗fenced", "invalid": "✗json"}


@dataclass(frozen=True)
class SampleComparison:
    """The workload's samples across the offerings that answered them, in one run."""

    offerings: list[str]
    expected: list[Any]
    """Per sample (by index), what the workload says is right, or None."""
    answers: list[dict[str, SampleAnswer]]
    """Per sample, each offering's answer (missing where it sent none)."""

    def agreement(self, offering: str) -> tuple[int, int]:
        """Answers of `offering` that agree with `expected`, and those that could be judged."""
        judged = [a[offering].agrees for a in self.answers if offering in a]
        return sum(v is True for v in judged), sum(v is not None for v in judged)


def compare_samples(outcome: RunOutcome, workload: str) -> SampleComparison | None:
    """The sample outputs of every offering probed for `workload`, side by side."""
    per_offering = {
        key: figure
        for (w, key, probe), figures in outcome.figures.items()
        if w == workload and probe == "samples"
        if (figure := _by_metric(figures).get("outputs")) is not None
    }
    if not per_offering:
        return None
    offerings = sorted(per_offering)
    count = 1 + max(
        (o["index"] for f in per_offering.values() for o in f.detail.get("outputs", [])),
        default=-1,
    )
    expected: list[Any] = [None] * count
    answers: list[dict[str, SampleAnswer]] = [{} for _ in range(count)]
    for key in offerings:
        for out in per_offering[key].detail.get("outputs", []):
            expected[out["index"]] = out["expected"]
            answers[out["index"]][key] = SampleAnswer(
                output=out["output"],
                outcome=out["outcome"],
                schema=out["schema"],
                agrees=out["agrees"],
                ttft_ms=out.get("ttft_ms"),
                e2e_ms=out.get("e2e_ms"),
            )
    return SampleComparison(offerings, expected, answers)


def samples_table(outcome: RunOutcome, workload: str, width: int = 120) -> RenderableType | None:
    """The workload's samples side by side: one row per sample, one column per offering
    (headed by its key, shortened by `advisor.columns.short_key` when space is short), or one
    record per sample on a narrow terminal."""
    comparison = compare_samples(outcome, workload)
    if comparison is None:
        return None
    rows: list[list[RichCell]] = []
    for i, (expected, answers) in enumerate(
        zip(comparison.expected, comparison.answers, strict=True)
    ):
        row: list[RichCell] = [str(i + 1), None if expected is None else str(expected)]
        for key in comparison.offerings:
            answer = answers.get(key)
            if answer is not None:
                mark = f" {answer.mark}" if answer.mark else ""
                row.append(Text(f"{answer.output[:160]}{mark}", style=answer.style))
            else:
                row.append(None)
        rows.append(row)
    title = f"{workload}: sample outputs"
    for header in (str, short_key):
        columns = [
            Column("#", right=True, key=True),
            Column("expected", wrap=SAMPLE_WRAP),
            *(Column(header(key), wrap=SAMPLE_WRAP) for key in comparison.offerings),
        ]
        plain = [[c.plain if isinstance(c, Text) else c for c in row] for row in rows]
        if not fit(columns, plain, width).records:
            caption = legend(comparison.offerings) if header is short_key else None
            return laid_out(
                columns, rows, width, title=title, caption=caption and f"keys: {caption}"
            )
    return laid_out(columns, rows, width, title=title)


SAMPLE_WRAP = 12
"""The narrowest a sample column may wrap to before the samples become records."""


def _probe_figures(outcome: RunOutcome, workload: str, probe: str) -> dict[str, dict[str, Figure]]:
    """Each offering's figures of one probe kind for `workload`, by metric."""
    return {
        key: _by_metric(figures)
        for (w, key, kind), figures in sorted(outcome.figures.items())
        if w == workload and kind == probe
    }


def _cell(figure: Figure | None, fmt: str) -> Text:
    if figure is None or figure.value is None:
        return Text("–", style="dim")
    return Text.assemble(fmt.format(figure.value), (f" n={figure.n}", "dim"))


def _pair(before: Figure | None, after: Figure | None, fmt: str, *, flag_drop: bool) -> Text:
    """`before → after`; with `flag_drop`, a lower second value is shown in red."""
    if before is None and after is None:
        return Text("–", style="dim")
    text = Text()
    for figure in (before, after):
        if text:
            text.append(" → ")
        if figure is None or figure.value is None:
            text.append("–", style="dim")
        else:
            text.append(fmt.format(figure.value))
    if (
        flag_drop
        and before is not None
        and after is not None
        and before.value is not None
        and after.value is not None
        and after.value < before.value
    ):
        text.stylize("red")
    return text


RETENTION_COLUMNS = (
    Column("offering", key=True),
    Column("kept", right=True),
    Column("first break", right=True),
    Column("turn by turn"),
)


def retention_table(
    outcome: RunOutcome, workload: str, simulated: bool, width: int = 120
) -> RenderableType | None:
    """One row per offering: the share of turns that kept their constraint, the first turn
    that broke one, and every turn's verdict per conversation (✓ kept, ✗ broken, · none)."""
    per_offering = _probe_figures(outcome, workload, "retention")
    if not per_offering:
        return None
    label = "simulated" if simulated else "live"
    rows: list[list[RichCell]] = []
    for key, figures in per_offering.items():
        kept = figures.get("kept_share")
        broke = figures.get("first_break_turn")
        first: Text | None
        if broke is None or broke.value is not None:
            first = _cell(broke, "turn {:.0f}")
        elif kept is not None and kept.n:
            first = Text("held", style="green")
        else:
            first = None
        marks = Text()
        for conversation in kept.detail.get("conversations", []) if kept else []:
            if marks:
                marks.append("\n")
            marks.append(f"{conversation['constraint']} ")
            for verdict in conversation["kept"]:
                marks.append(
                    *{True: ("✓", "green"), False: ("✗", "red")}.get(verdict, ("·", "dim"))
                )
        rows.append([key, _cell(kept, "{:.0%}"), first, marks or None])
    title = f"{workload}: instruction retention over a conversation ({label})"
    return laid_out(RETENTION_COLUMNS, rows, width, title=title)


CORRECTNESS_COLUMNS = (
    Column("offering", key=True),
    Column("rate", right=True),
    Column("n", right=True),
    Column("correct"),
    Column("schema ok"),
    Column("same", right=True),
    Column("TTFT p95 ms"),
    Column("E2E p95 ms"),
    Column("lag p99", right=True),
)


def correctness_table(
    outcome: RunOutcome, workload: str, simulated: bool, width: int = 120
) -> RenderableType | None:
    """One row per offering: right answers one at a time → at the workload's peak rate, with
    the requests in each (n), schema validity, answers the same as at rest, latency and the
    generator's send lag at that rate (rate: intended, with the achieved one)."""
    per_offering = _probe_figures(outcome, workload, "correctness")
    if not per_offering:
        return None
    label = "simulated" if simulated else "live"
    rows: list[list[RichCell]] = []
    for key, f in per_offering.items():
        rest, load = f.get("rest_correct_share"), f.get("load_correct_share")
        rate = f.get("load_rate_rps")
        achieved = rate.detail.get("achieved_rps") if rate else None
        rows.append(
            [
                key,
                None
                if rate is None
                else f"{rate.value:g}/s" + (f" ({achieved:.1f})" if achieved else ""),
                f"{rest.n if rest else 0} → {load.n if load else 0}",
                _pair(rest, load, "{:.0%}", flag_drop=True),
                _pair(
                    f.get("rest_valid_share"), f.get("load_valid_share"), "{:.0%}", flag_drop=True
                ),
                _cell(f.get("same_as_rest_share"), "{:.0%}"),
                _pair(
                    f.get("rest_ttft_ms_p95"), f.get("load_ttft_ms_p95"), "{:.0f}", flag_drop=False
                ),
                _pair(
                    f.get("rest_e2e_ms_p95"), f.get("load_e2e_ms_p95"), "{:.0f}", flag_drop=False
                ),
                _cell(f.get("load_send_lag_ms_p99"), "{:.1f} ms"),
            ]
        )
    title = f"{workload}: correctness at rest → under load ({label})"
    return laid_out(CORRECTNESS_COLUMNS, rows, width, title=title)


def outcome_json(outcome: RunOutcome, simulated: bool) -> dict[str, Any]:
    """Figures per workload, offering and probe, each with n and unit."""
    workloads: dict[str, Any] = {}
    for (workload, offering, probe), figures in sorted(outcome.figures.items()):
        slot = workloads.setdefault(workload, {}).setdefault(offering, {})
        slot[probe] = {
            f.metric: {
                "value": f.value,
                "n": f.n,
                "unit": f.unit,
                # What a model that guesses scores on this share, beside it (docs/probes.md).
                **({"chance": f.detail["chance"]} if "chance" in f.detail else {}),
                **({"detail": f.detail} if f.detail else {}),
            }
            for f in figures
        }
    return {
        "simulated": simulated,
        "requests_sent": outcome.sent,
        "cancelled": outcome.cancelled,
        "workloads": workloads,
    }


def offering_summary(outcome: RunOutcome, workload: str, offering: str) -> Text:
    """One offering's retention and correctness under load in a few lines, each figure with
    its n: what stands behind their headline columns; and how its latency requests ended,
    class by class, when any was not a complete answer. Empty when there is nothing to say."""
    lines: list[Text] = []
    retention = _by_metric(outcome.figures.get((workload, offering, "retention"), []))
    kept = retention.get("kept_share")
    if kept is not None and kept.value is not None:
        line = Text.assemble(("retention ", "bold"), f"kept {kept.value:.0%} of {kept.n} turns")
        broke = retention.get("first_break_turn")
        if broke is not None and broke.value is not None:
            line.append(f", first broken at turn {broke.value:.0f}")
        else:
            line.append(", never broken", style="green")
        for conversation in kept.detail.get("conversations", []):
            line.append(f" · {conversation['constraint']} ")
            for verdict in conversation["kept"]:
                mark = "·" if verdict is None else "✓" if verdict else "✗"
                line.append(mark, style="dim" if verdict is None else "green" if verdict else "red")
        lines.append(line)
    correctness = _by_metric(outcome.figures.get((workload, offering, "correctness"), []))
    rest, load = correctness.get("rest_correct_share"), correctness.get("load_correct_share")
    rate = correctness.get("load_rate_rps")
    if rest is not None and load is not None and rate is not None:
        line = Text.assemble(
            ("correctness ", "bold"),
            f"at {rate.value:g}/s: ",
            _pair(rest, load, "{:.0%}", flag_drop=True),
            f" right (n {rest.n} → {load.n})",
        )
        valid = correctness.get("rest_valid_share"), correctness.get("load_valid_share")
        if valid[0] is not None or valid[1] is not None:
            line.append(" · schema ok ")
            line.append_text(_pair(*valid, "{:.0%}", flag_drop=True))
        ttft = correctness.get("rest_ttft_ms_p95"), correctness.get("load_ttft_ms_p95")
        if ttft[1] is not None:
            line.append(" · TTFT p95 ")
            line.append_text(_pair(*ttft, "{:.0f}", flag_drop=False))
            line.append(" ms")
        lines.append(line)
    latency = _by_metric(outcome.figures.get((workload, offering, "latency"), []))
    goodput = latency.get("goodput_share")
    counts: dict[str, int] = goodput.detail.get("outcomes", {}) if goodput is not None else {}
    if any(name != "ok" for name in counts):
        # How the latency probe's requests ended, by class (docs/probes.md).
        line = Text.assemble(("latency attempts ", "bold"))
        for index, (name, n) in enumerate(sorted(counts.items(), key=lambda kv: kv[0] != "ok")):
            line.append(" · " if index else "")
            line.append(f"{n} {name}", style="green" if name == "ok" else "red")
        lines.append(line)
    return Text("\n").join(lines)
