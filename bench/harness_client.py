"""Our probe harness as a load client in its own process, for bench.tools.run_ours.

    python -m bench.harness_client SIM_URL --count N (--streams S | --rate R)

Sends N requests for `tools.OFFERING` through `probes.harness.run_batch` (closed loop with S
streams, or open loop at R requests/s), set up and recording every attempt in a run store as
`advisor probe` does, and prints one JSON object: {"samples": [...]} with each request's
stamps.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import sys
import tempfile
from pathlib import Path

from bench.tools import OFFERING, PROMPT, SIM_HEADERS, TOKENS, Sample
from catalog import BUNDLED_DIR, load_catalog
from probes import aio
from probes.clients import ChatRequest, make_client
from probes.clients.transport import DEFAULT_CONNECTIONS
from probes.harness import Context, Sent, SpendCap, run_batch
from probes.load import Load
from probes.store import RunStore
from probes.targets import simulated_targets


async def _run(sim_url: str, count: int, load: Load, store: RunStore) -> list[Sent]:
    catalog = load_catalog([BUNDLED_DIR])
    gc.freeze()  # as advisor.home.load does before every probe run
    offering = catalog.get(OFFERING)
    assert offering is not None, OFFERING
    (target,) = simulated_targets(catalog, [offering], sim_url)
    run = store.start_run(target="sim", simulated=True)
    request = ChatRequest(
        messages=[{"role": "user", "content": PROMPT}],
        max_tokens=TOKENS,
        extra_headers=SIM_HEADERS,
    )
    async with make_client(concurrency=max(DEFAULT_CONNECTIONS, load.concurrency)) as client:
        ctx = Context(client, store, run, SpendCap(1e9))
        return await run_batch(ctx, target, "bench", [request] * count, load)


def _sample(sent: Sent, open_loop: bool) -> Sample:
    timed, reply = sent.timed, sent.reply
    assert timed is not None
    return Sample(
        response_id=reply.request_id,
        ok=sent.ok,
        sent_ns=timed.sent_ns,
        done_ns=timed.end_ns or timed.sent_ns,
        first_token_ns=reply.first_token_ns,
        last_token_ns=reply.last_token_ns,
        intended_ns=sent.intended_ns if open_loop else None,
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.harness_client")
    parser.add_argument("sim_url")
    parser.add_argument("--count", type=int, required=True)
    shape = parser.add_mutually_exclusive_group(required=True)
    shape.add_argument("--streams", type=int)
    shape.add_argument("--rate", type=float)
    args = parser.parse_args(argv)
    load = (
        Load(mode="open", rate=args.rate)
        if args.rate
        else Load(mode="closed", concurrency=args.streams)
    )
    with (
        tempfile.TemporaryDirectory(prefix="bench-harness-") as tmp,
        RunStore(Path(tmp) / "runs.sqlite") as store,
    ):
        sent = aio.run(_run(args.sim_url, args.count, load, store))
    samples = [dataclasses.asdict(_sample(s, load.mode == "open")) for s in sent if s.timed]
    json.dump({"samples": samples}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
