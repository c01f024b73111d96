"""The run store: every probing run and every HTTP attempt in it, in SQLite.

One row per run, one per attempt (written and committed as each attempt finishes, so a run
killed mid-way loses nothing it finished), and the results computed from them. The database
runs in WAL mode so a reader (the TUI's history, `advisor history`) never blocks a running
probe. Schema changes are named migrations.

A probing run commits from a writer thread of its own (`save_attempt`): a commit is usually
a tenth of a millisecond, but one in a hundred waits milliseconds on the disk, and on the
event loop that wait would delay every request due meanwhile.

No secret is ever written: every text field passes through a `Redactor` holding the values of
the API-key variables in use, and request headers are never stored.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from catalog.errors import BadInput

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


@migrations()
def m002_run_workloads(db: Database) -> None:
    """Which workloads each run measured, one row each, so a plan can read every workload's
    newest run. Older runs get theirs from their settings or, before those named them,
    from the workloads their figures and attempts are filed under."""
    db.table("run_workloads").create(
        {"run_id": int, "workload": str},
        pk=("run_id", "workload"),
        foreign_keys=[("run_id", "runs", "id")],
    )
    db.table("run_workloads").create_index(["workload", "run_id"])
    for run_id, settings in db.execute("select id, settings from runs").fetchall():
        named = json.loads(settings or "{}").get("workloads")
        if not isinstance(named, list):
            named = [
                w
                for (w,) in db.execute(
                    "select workload from results where run_id = ? and workload is not null "
                    "union select workload from attempts where run_id = ? and workload is not null",
                    [run_id, run_id],
                ).fetchall()
            ]
        db.table("run_workloads").insert_all(
            ({"run_id": run_id, "workload": str(w)} for w in named if w), ignore=True
        )


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


_ATTEMPT_FIELDS = tuple(f.name for f in fields(AttemptRecord))
_REDACTED = frozenset({"error", "output", "detail"})
"""Free-text fields, where a provider may echo a key back: redacted before writing."""
_INSERT_ATTEMPT = "insert into attempts (run_id, {}) values ({})".format(
    ", ".join(_ATTEMPT_FIELDS), ", ".join("?" * (len(_ATTEMPT_FIELDS) + 1))
)
_RESULT_FIELDS = (
    "run_id",
    "workload",
    "offering",
    "probe",
    "metric",
    "value",
    "n",
    "unit",
    "detail",
)
_INSERT_RESULT = "insert into results ({}) values ({})".format(
    ", ".join(_RESULT_FIELDS), ", ".join("?" * len(_RESULT_FIELDS))
)


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
    settings: Mapping[str, Any] = field(default_factory=dict)
    """What the run was asked for: kinds, sizes, `time_scale`."""
    measured: tuple[str, ...] = ()
    """The workloads the run measured (the `run_workloads` table), by name."""

    @property
    def time_scale(self) -> float:
        """The simulator's time scale (1: real time; live runs are always 1)."""
        return float(self.settings.get("time_scale", 1.0))

    @property
    def workloads(self) -> frozenset[str]:
        """The workloads the run measured."""
        return frozenset(self.measured)


class RunStore:
    """Opens (and migrates) the run database at `path`."""

    def __init__(self, path: Path, redactor: Redactor | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = _open(path)
        migrations.apply(self.db)
        self.redact = redactor or Redactor({})
        self._writer: _Writer | None = None

    def start_run(
        self,
        *,
        target: str,
        simulated: bool,
        workloads_file: str | None = None,
        settings: Mapping[str, Any] | None = None,
        version: str = "",
        budget_usd: float | None = None,
        workloads: Iterable[str] = (),
    ) -> int:
        """Record a new run as running, with the `workloads` it measures; returns its id."""
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
        run_id = int(table.last_pk)
        self.db.table("run_workloads").insert_all(
            ({"run_id": run_id, "workload": w} for w in sorted(set(workloads))), ignore=True
        )
        return run_id

    def record_attempt(self, run_id: int, record: AttemptRecord) -> None:
        """Write one finished attempt and commit it at once."""
        _insert_attempt(self.db.conn, self._attempt_row(run_id, record), record.cost_usd)

    async def save_attempt(self, run_id: int, record: AttemptRecord) -> None:
        """`record_attempt` on the store's writer thread, so the event loop never waits on
        the disk. Returns once the attempt is committed: an attempt whose save returned
        survives the process being killed."""
        row = self._attempt_row(run_id, record)
        if self._writer is None:
            self._writer = _Writer(self.path)
        await self._writer.run(lambda conn: _insert_attempt(conn, row, record.cost_usd))

    def _attempt_row(self, run_id: int, record: AttemptRecord) -> list[Any]:
        """The insert's values, free text redacted. Field by field rather than `asdict`,
        whose deep copy of the detail cost more than the commit."""
        row: list[Any] = [run_id]
        for name in _ATTEMPT_FIELDS:
            value = getattr(record, name)
            if name == "detail":
                value = json.dumps(value, sort_keys=True)
            if name in _REDACTED:
                value = self.redact(value)
            row.append(value)
        return row

    def record_results(self, run_id: int, rows: Iterable[Mapping[str, Any]]) -> None:
        """Write computed results (metric, value, n, unit, detail) for a run."""
        _insert_results(self.db.conn, self._result_rows(run_id, rows))

    async def save_results(self, run_id: int, rows: Iterable[Mapping[str, Any]]) -> None:
        """`record_results` on the writer thread, for a run whose other probes are still
        timing requests on this event loop."""
        prepared = self._result_rows(run_id, rows)
        if self._writer is None:
            self._writer = _Writer(self.path)
        await self._writer.run(lambda conn: _insert_results(conn, prepared))

    def _result_rows(self, run_id: int, rows: Iterable[Mapping[str, Any]]) -> list[list[Any]]:
        return [
            [
                run_id,
                *(row.get(name) for name in _RESULT_FIELDS[1:-1]),
                self.redact(json.dumps(row.get("detail", {}), sort_keys=True)),
            ]
            for row in rows
        ]

    def finish_run(self, run_id: int, status: RunStatus) -> None:
        with self.db.conn:
            self.db.table("runs").update(run_id, {"status": status, "finished_at": _now()})

    def close(self) -> None:
        """Stop the writer thread (after its pending commits) and close the database."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self.db.close()

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
        measured: dict[int, tuple[str, ...]] = {}
        for run_id, workload in self.db.execute(
            "select run_id, workload from run_workloads order by run_id, workload"
        ):
            measured[run_id] = (*measured.get(run_id, ()), workload)
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
                    settings=json.loads(row["settings"] or "{}"),
                    measured=measured.get(row["id"], ()),
                )
            )
        return out

    def attempts(self, run_id: int) -> Iterator[dict[str, Any]]:
        """The attempts of a run in the order they finished."""
        yield from self.db.query("select * from attempts where run_id = ? order by id", [run_id])

    def results(self, run_id: int) -> list[dict[str, Any]]:
        """The figures a run computed, in the order they were saved."""
        return list(self.db.query("select * from results where run_id = ? order by id", [run_id]))

    def run(self, run_id: int) -> RunSummary:
        """One run's summary; `UnknownRun` when the store has none of that id."""
        found = next((r for r in self.runs() if r.id == run_id), None)
        if found is None:
            raise UnknownRun(f"no run {run_id} in {self.path}")
        return found

    def latest_run(self, workloads_file: Path) -> int | None:
        """The newest complete run made from `workloads_file` (compared as resolved paths)."""
        wanted = workloads_file.resolve()
        rows = self.db.query(
            "select id, workloads_file from runs where status = 'complete' order by id desc"
        )
        for row in rows:
            if row["workloads_file"] and Path(row["workloads_file"]).resolve() == wanted:
                return int(row["id"])
        return None

    def latest_runs(self, workloads_file: Path) -> dict[str, int]:
        """Each workload's newest complete run made from `workloads_file` that measured it."""
        wanted = workloads_file.resolve()
        rows = self.db.execute(
            "select r.id, r.workloads_file, w.workload from runs r "
            "join run_workloads w on w.run_id = r.id "
            "where r.status = 'complete' order by r.id desc"
        ).fetchall()
        newest: dict[str, int] = {}
        for run_id, path, workload in rows:
            if path and workload not in newest and Path(path).resolve() == wanted:
                newest[workload] = int(run_id)
        return newest

    def latest_run_with(
        self, workload: str, probe: str, metric: str, workloads_file: Path | None
    ) -> RunSummary | None:
        """The newest run with a `probe.metric` figure for `workload`, made from
        `workloads_file` when one is given (another file's workload of that name differs)."""
        rows = self.db.execute(
            """
            select distinct r.id, r.workloads_file from runs r join results s on s.run_id = r.id
            where s.workload = ? and s.probe = ? and s.metric = ?
            order by r.id desc
            """,
            [workload, probe, metric],
        ).fetchall()
        wanted = workloads_file.resolve() if workloads_file is not None else None
        for run_id, path in rows:
            if wanted is None or (path and Path(path).resolve() == wanted):
                return self.run(run_id)
        return None

    def outcome_counts(
        self, run_id: int, *, except_probe: str | None = None
    ) -> list[tuple[str, str, str, int]]:
        """(workload, offering, outcome, attempts) for a run, leaving out one probe kind."""
        rows = self.db.execute(
            "select coalesce(workload, ''), offering, outcome, count(*) from attempts "
            "where run_id = ? and probe is not ? group by workload, offering, outcome",
            [run_id, except_probe],
        ).fetchall()
        return [(str(w), str(o), str(outcome), int(n)) for w, o, outcome, n in rows]

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class UnknownRun(BadInput):
    """A run id the store does not have."""

    title = "unknown run"


def _open(path: Path) -> Database:
    # A store may be opened on a worker thread and used on the event loop's (never by two
    # threads at once): the TUI keeps SQLite's file work off its UI thread that way.
    db = Database(sqlite3.connect(str(path), check_same_thread=False))
    db.enable_wal()
    # In WAL mode NORMAL still survives a killed process (the WAL is in the OS cache);
    # only a power cut can lose the last commits, and it spares an fsync per attempt.
    db.execute("pragma synchronous = normal")
    return db


def _insert_attempt(conn: sqlite3.Connection, row: list[Any], cost_usd: float | None) -> None:
    """One prepared insert (sqlite-utils' insert inspects the table on every call) and the
    run's spend, in one transaction."""
    with conn:
        conn.execute(_INSERT_ATTEMPT, row)
        if cost_usd:
            conn.execute(
                "update runs set spent_usd = coalesce(spent_usd, 0) + ? where id = ?",
                [cost_usd, row[0]],
            )


def _insert_results(conn: sqlite3.Connection, rows: list[list[Any]]) -> None:
    """The figures, and their workloads as measured by the run (a run records the ones it
    plans at its start; figures filed under another still count)."""
    measured = {(row[0], row[1]) for row in rows if row[1]}
    with conn:
        conn.executemany(_INSERT_RESULT, rows)
        conn.executemany(
            "insert or ignore into run_workloads (run_id, workload) values (?, ?)", measured
        )


class _Writer:
    """One thread with its own connection to the store, for commits an event loop must not
    wait on. A connection stays on the thread that opened it, so this one is opened there."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="run-store")
        self._db: Database | None = None

    async def run(self, write: Callable[[sqlite3.Connection], None]) -> None:
        """Run `write` on the writer thread; in submission order, each after the last."""
        await asyncio.get_running_loop().run_in_executor(self._pool, self._call, write)

    def _call(self, write: Callable[[sqlite3.Connection], None]) -> None:
        if self._db is None:
            self._db = _open(self._path)
        write(self._db.conn)

    def close(self) -> None:
        self._pool.submit(self._close).result()
        self._pool.shutdown()

    def _close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


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
