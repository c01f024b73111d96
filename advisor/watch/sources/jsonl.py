"""A JSONL request log: one JSON object a line, one line per request, the shape most gateways
can write (LiteLLM's custom loggers, Portkey's and TensorZero's exports, an nginx `log_format`).

Fields (docs: README, "Judge a canary"):

- `deployment` (required): who answered, by any name `Roles` knows (`WORKLOAD:canary`,
  `canary`, the offering key `newco/newco-chat` or its API id); other deployments are skipped;
- `status` (required): the HTTP status (an integer), or `ok` / `error`;
- `ttft_ms`: time to first token; without it, `latency_ms` (a whole, unstreamed answer's first
  token is its last);
- `input_tokens`, `output_tokens`: priced at the catalog's prices; or `cost_usd` as billed;
- `agree`, `schema_valid`: booleans, when the writer checks them;
- `workload`: when present, lines of other workloads are skipped.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from advisor.watch.look import Arm, ArmName, Costs, Latencies, Look, Tally
from advisor.watch.sources import Roles
from catalog.problems import InputError, Problem
from probes.harness import tokens_usd

MAX_PROBLEMS = 20
"""Problems listed before the rest are only counted."""


def read(path: Path, roles: Roles) -> Look:
    """The traffic a request log holds; `InputError` (PATH:LINE:COL each) for bad lines."""
    lines: dict[ArmName, list[dict[str, Any]]] = defaultdict(list)
    problems: list[Problem] = []
    skipped = 0
    try:
        with path.open(encoding="utf-8") as f:
            for number, text in enumerate(f, 1):
                if not text.strip():
                    continue
                record, problem = _parse(path, number, text)
                if problem:
                    problems.append(problem)
                    continue
                assert record is not None
                if record.get("workload") not in (None, roles.workload):
                    continue
                arm = roles.arm(str(record["deployment"]))
                if arm is None:
                    skipped += 1
                else:
                    lines[arm].append(record)
    except (OSError, UnicodeDecodeError) as error:
        raise InputError([Problem(str(path), 1, 1, "", f"cannot read: {error}")]) from None
    if problems:
        raise InputError(problems[:MAX_PROBLEMS])
    notes = (f"{skipped} requests of other deployments skipped",) if skipped else ()
    return Look(
        _arm(lines["canary"], roles, "canary"),
        _arm(lines["baseline"], roles, "baseline"),
        f"the request log {path}",
        notes,
    )


def _parse(path: Path, number: int, text: str) -> tuple[dict[str, Any] | None, Problem | None]:
    def problem(field: str, message: str) -> tuple[None, Problem]:
        return None, Problem(str(path), number, 1, field, message)

    try:
        record = json.loads(text)
    except ValueError as error:
        return problem("", f"not JSON: {error}")
    if not isinstance(record, dict):
        return problem("", "a line must be a JSON object")
    if not isinstance(record.get("deployment"), str) or not record["deployment"]:
        return problem("deployment", "required: the deployment that answered")
    status = record.get("status")
    if not (isinstance(status, int) and not isinstance(status, bool)) and status not in (
        "ok",
        "error",
    ):
        return problem("status", f"an HTTP status or ok/error, not {status!r}")
    for name in ("ttft_ms", "latency_ms", "cost_usd", "input_tokens", "output_tokens"):
        value = record.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            return problem(name, f"a number, not {value!r}")
        if value is not None and value < 0:
            return problem(name, f"cannot be negative ({value})")
    for name in ("agree", "schema_valid"):
        if record.get(name) is not None and not isinstance(record[name], bool):
            return problem(name, f"true or false, not {record[name]!r}")
    return record, None


def _ok(record: dict[str, Any]) -> bool:
    status = record["status"]
    return status == "ok" or (isinstance(status, int) and status < 400)


def _arm(records: list[dict[str, Any]], roles: Roles, arm: ArmName) -> Arm:
    offering = roles.offering(arm)
    ttft: list[float] = []
    costs: list[float] = []
    priced = True
    errors = 0
    for r in records:
        if not _ok(r):
            errors += 1
            continue
        first = r.get("ttft_ms", r.get("latency_ms"))
        if first is not None:
            ttft.append(float(first))
        cost = r.get("cost_usd")
        if cost is None:
            cost = tokens_usd(offering, r.get("input_tokens"), r.get("output_tokens"))
        if cost is None:
            priced = False
        else:
            costs.append(float(cost))
    return Arm(
        requests=len(records),
        errors=errors,
        ttft_ms=Latencies(values=tuple(ttft)),
        costs=Costs.of(costs) if priced and costs else None,
        disagreements=_tally(records, "agree", False),
        schema_invalid=_tally(records, "schema_valid", False),
    )


def _tally(records: list[dict[str, Any]], name: str, bad: bool) -> Tally | None:
    seen = [r[name] for r in records if r.get(name) is not None]
    return Tally(sum(1 for v in seen if v is bad), len(seen)) if seen else None
