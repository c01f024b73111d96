"""The run store: every probing run and every HTTP attempt in it, in SQLite.

One row per run, one per attempt (written and committed as each attempt finishes, so a run
killed mid-way loses nothing it finished), and the results computed from them. The database
runs in WAL mode so a reader (the TUI's history, `advisor history`) never blocks a running
probe. Schema changes are named migrations.

No secret is ever written: every text field passes through a `Redactor` holding the values of
the API-key variables in use, and request headers are never stored.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

RunStatus = Literal["running", "complete", "cancelled", "failed", "interrupted"]

migrations = Migrations("advisor.runs")


@migrations()
def m001_runs_attempts_results(db: Database) -> None:
    db.table("runs").create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "status": str,
            "target": str,
            "simulated": int,
            "workloads_file": str,
            "settings": str,
            "version": str,
            "pid": int,
            "budget_usd": float,
            "spent_usd": float,
        },
        pk="id",
        not_null={"started_at", "status", "target", "simulated"},
    )
    db.table("attempts").create(
        {
            "id": int,
            "run_id": int,
            "workload": str,
            "offering": str,
            "probe": str,
            "request_index": int,
            "attempt": int,
            "intended_ns": int,
            "sent_ns": int,
            "first_byte_ns": int,
            "first_token_ns": int,
            "last_token_ns": int,
            "end_ns": int,
            "outcome": str,
            "http_status": int,
            "error": str,
            "input_tokens": int,
            "output_tokens": int,
            "cached_tokens": int,
            "reasoning_tokens": int,
            "cost_usd": float,
            "request_id": str,
            "fingerprint": str,
            "model_returned": str,
            "chunks": int,
            "output": str,
            "detail": str,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id")],
        not_null={"run_id", "offering", "probe", "outcome"},
    )
    db.table("attempts").create_index(["run_id", "offering", "probe"])
    db.table("results").create(
        {
            "id": int,
            "run_id": int,
            "workload": str,
            "offering": str,
            "probe": str,
            "metric": str,
            "value": float,
            "n": int,
            "unit": str,
            "detail": str,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id")],
        not_null={"run_id", "offering", "probe", "metric"},
    )
    db.table("results").create_index(["run_id", "offering"])


class Redactor:
    """Replaces known secret values in text with `[redacted:VAR]`."""

    def __init__(self, secrets: Mapping[str, str]) -> None:
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = sorted(
            ((name, value) for name, value in secrets.items() if len(value) >= 8),
            key=lambda item: -len(item[1]),
        )

    @classmethod
    def from_environment(cls, names: Iterable[str]) -> Redactor:
        """A redactor for the values of these environment variables, where set."""
        return cls({name: os.environ[name] for name in names if os.environ.get(name)})

    def __call__(self, text: str | None) -> str | None:
        if text is None:
            return None
        for name, value in self._secrets:
            text = text.replace(value, f"[redacted:{name}]")
        return text


@dataclass
class AttemptRecord:
    """One HTTP attempt: when it was meant to go, when each part of the answer came, and
    what came. Times are `perf_counter_ns` readings of the probing process."""

    offering: str
    probe: str
    outcome: str
    workload: str | None = None
    request_index: int = 0
    attempt: int = 1
    intended_ns: int | None = None
    sent_ns: int | None = None
    first_byte_ns: int | None = None
    first_token_ns: int | None = None
    last_token_ns: int | None = None
    end_ns: int | None = None
    http_status: int | None = None
    error: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_tokens: int | None = None
    reasoning_tokens: int | None = None
    cost_usd: float | None = None
    request_id: str | None = None
    fingerprint: str | None = None
    model_returned: str | None = None
    chunks: int | None = None
    output: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunSummary:
    """A run as `advisor history` lists it."""

    id: int
    started_at: str
    finished_at: str | None
    status: RunStatus
    target: str
    simulated: bool
    attempts: int
    offerings: int
    spent_usd: float | None


class RunStore:
    """Opens (and migrates) the run database at `path`."""

    def __init__(self, path: Path, redactor: Redactor | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = Database(path)
        self.db.enable_wal()
        # In WAL mode NORMAL still survives a killed process (the WAL is in the OS cache);
        # only a power cut can lose the last commits, and it spares an fsync per attempt.
        self.db.execute("pragma synchronous = normal")
        migrations.apply(self.db)
        self.redact = redactor or Redactor({})

    def start_run(
        self,
        *,
        target: str,
        simulated: bool,
        workloads_file: str | None = None,
        settings: Mapping[str, Any] | None = None,
        version: str = "",
        budget_usd: float | None = None,
    ) -> int:
        """Record a new run as running; returns its id."""
        table = self.db.table("runs")
        table.insert(
            {
                "started_at": _now(),
                "status": "running",
                "target": target,
                "simulated": int(simulated),
                "workloads_file": workloads_file,
                "settings": self.redact(json.dumps(settings or {}, sort_keys=True)),
                "version": version,
                "pid": os.getpid(),
                "budget_usd": budget_usd,
                "spent_usd": 0.0,
            }
        )
        assert table.last_pk is not None
        return int(table.last_pk)

    def record_attempt(self, run_id: int, record: AttemptRecord) -> None:
        """Write one finished attempt and commit it at once."""
        row = asdict(record)
        row["detail"] = json.dumps(row["detail"], sort_keys=True)
        for name in ("error", "output", "detail"):
            row[name] = self.redact(row[name])
        with self.db.conn:
            self.db.table("attempts").insert({"run_id": run_id, **row})
            if record.cost_usd:
                self.db.execute(
                    "update runs set spent_usd = coalesce(spent_usd, 0) + ? where id = ?",
                    [record.cost_usd, run_id],
                )

    def record_results(self, run_id: int, rows: Iterable[Mapping[str, Any]]) -> None:
        """Write computed results (metric, value, n, unit, detail) for a run."""
        prepared = [
            {
                "run_id": run_id,
                **{k: v for k, v in row.items() if k != "detail"},
                "detail": self.redact(json.dumps(row.get("detail", {}), sort_keys=True)),
            }
            for row in rows
        ]
        with self.db.conn:
            self.db.table("results").insert_all(prepared)

    def finish_run(self, run_id: int, status: RunStatus) -> None:
        with self.db.conn:
            self.db.table("runs").update(run_id, {"status": status, "finished_at": _now()})

    def runs(self) -> list[RunSummary]:
        """Every run, newest first; a run still marked running whose process is gone is
        reported (and from then on stored) as interrupted."""
        rows = list(
            self.db.query(
                """
                select r.*, count(a.id) as n_attempts, count(distinct a.offering) as n_offerings
                from runs r left join attempts a on a.run_id = r.id
                group by r.id order by r.id desc
                """
            )
        )
        out = []
        for row in rows:
            status = row["status"]
            if status == "running" and not _alive(row["pid"]):
                status = "interrupted"
                self.finish_run(row["id"], "interrupted")
            out.append(
                RunSummary(
                    id=row["id"],
                    started_at=row["started_at"],
                    finished_at=row["finished_at"],
                    status=status,
                    target=row["target"],
                    simulated=bool(row["simulated"]),
                    attempts=row["n_attempts"],
                    offerings=row["n_offerings"],
                    spent_usd=row["spent_usd"],
                )
            )
        return out

    def attempts(self, run_id: int) -> Iterator[dict[str, Any]]:
        """The attempts of a run in the order they finished."""
        yield from self.db.query("select * from attempts where run_id = ? order by id", [run_id])

    def results(self, run_id: int) -> list[dict[str, Any]]:
        return list(self.db.query("select * from results where run_id = ? order by id", [run_id]))


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
