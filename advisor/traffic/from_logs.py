"""`workload from-logs` as both front ends run it: logs in, a reviewed-before-use workload
file out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from advisor import units
from advisor.traffic.derive import ClusterBy, Traffic, summarise
from advisor.traffic.propose import Proposal, propose, render
from advisor.traffic.read import Format, read_records
from advisor.traffic.redact import BUILT_IN, Redactor, Rule
from advisor.traffic.sketch import RELATIVE_ERROR
from advisor.traffic.windows import Windows
from catalog import Catalog
from catalog.errors import BadInput, Refused
from catalog.files import write_atomically
from catalog.redact import KEY_SHAPES


@dataclass(frozen=True)
class Derived:
    """The logs' clusters, the workload each implies, and the file's text."""

    traffic: Traffic
    proposals: list[Proposal]
    text: str


def derive(
    paths: Sequence[Path],
    catalog: Catalog,
    *,
    by: ClusterBy = "route",
    samples: int = 5,
    fmt: Format = "auto",
    rules: tuple[Rule, ...] = BUILT_IN,
) -> Derived:
    """Read `paths` once and propose a workload per cluster; raise LogError on bad input."""
    traffic = summarise(
        read_records(paths, fmt), by, samples=samples, window_of=Windows(catalog.offerings)
    )
    if not traffic.requests:
        raise BadInput(f"no requests in {', '.join(str(p) for p in paths)}")
    source = paths[0].name if len(paths) == 1 else units.count(len(paths), "log")
    proposals = propose(traffic, source, Redactor(rules))
    header = "\n".join(
        [
            f"Workloads derived from {units.count(traffic.requests, 'request')} in "
            f"{', '.join(p.name for p in paths)}, one per {by}, by `advisor workload from-logs`.",
            f"Token figures: nearest-rank quantiles within {RELATIVE_ERROR:.0%} (a streaming "
            "sketch); max exact.",
            "Samples and prompts redacted by the rules `advisor workload redact-rules` prints.",
            "Review before use: tasks are guesses, and requirements are what the traffic asks.",
        ]
    )
    return Derived(traffic, proposals, render(proposals, header))


def save(path: Path, text: str, *, force: bool = False) -> None:
    """Write the workload file; an existing file is replaced only with `force`."""
    if KEY_SHAPES.search(text):
        raise Refused(f"{path}: the text holds a key-shaped value; nothing was written")
    try:
        write_atomically(path, text, replace=force)
    except FileExistsError:
        raise BadInput(f"{path} exists; use --force to replace it") from None
    except OSError as error:
        raise BadInput(f"{path}: cannot write: {error.strerror or error}") from None
