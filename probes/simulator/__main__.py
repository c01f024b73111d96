"""`python -m probes.simulator`: serve a catalog until interrupted.

    python -m probes.simulator [--host H] [--port P] [--faults PROFILE] [--catalog PATH ...]
                               [--offering-faults KEY=PROFILE ...]
                               [--time-scale X] [--seed N] [--rpm N] [--tpm N]
                               [--retention-turns N] [--capacity N]
                               [--loop auto|uvloop|asyncio]

`--catalog` is repeatable: each is one layer (later ones overlay earlier ones); several
paths joined with the OS path separator form one layer. Without it, the bundled catalog.
Exit status 2 on bad input (catalog, faults, flags).
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from catalog import BUNDLED_DIR, InputError, load_catalog
from probes.simulator.server import serve


def finite(value: str) -> float:
    """A float flag: NaN and infinity are refused, as in every other number we read."""
    number = float(value)
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(f"{value!r} is not a finite number")
    return number


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m probes.simulator",
        description="Serve catalog offerings over their providers' wire APIs, simulated.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--faults", default=None, help="e.g. 5xx-burst:2,stall:3@0.1")
    parser.add_argument(
        "--offering-faults",
        action="append",
        default=[],
        metavar="KEY=PROFILE",
        help="faults for one offering only, e.g. acme/acme-large-2=5xx-burst:10 (repeatable)",
    )
    parser.add_argument("--catalog", action="append", default=[], help="a catalog layer")
    parser.add_argument("--time-scale", type=finite, default=1.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--rpm", type=int, default=None)
    parser.add_argument("--tpm", type=int, default=None)
    parser.add_argument(
        "--retention-turns",
        type=finite,
        default=None,
        help="every offering keeps a system-prompt constraint half as often after N turns",
    )
    parser.add_argument(
        "--capacity",
        type=int,
        default=None,
        help="every offering degrades checkable answers beyond N requests in flight",
    )
    parser.add_argument("--loop", choices=["auto", "uvloop", "asyncio"], default="auto")
    parser.add_argument(
        "--watch-fd",
        type=int,
        default=None,
        help="end when this inherited pipe closes: the parent holds its other end",
    )
    return parser.parse_args(argv)


def watch_parent(fd: int) -> None:
    """End this process (as SIGTERM would) once every copy of the pipe's write end is
    closed, which the kernel does when the parent dies, even by SIGKILL. A thread of its
    own blocks on the read; nothing is ever written to the pipe."""

    def wait() -> None:
        while True:
            try:
                if not os.read(fd, 1):
                    break
            except InterruptedError:
                continue
            except OSError:
                break
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=wait, name="parent-watch", daemon=True).start()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.watch_fd is not None:
        watch_parent(args.watch_fd)
    layers: list[Path | list[Path]] = []
    for layer in args.catalog:
        paths = [Path(p) for p in layer.split(os.pathsep) if p]
        layers.append(paths[0] if len(paths) == 1 else paths)
    try:
        catalog = load_catalog(layers or [BUNDLED_DIR])
        serve(
            catalog,
            args.host,
            args.port,
            args.faults,
            time_scale=args.time_scale,
            seed=args.seed,
            rpm=args.rpm,
            tpm=args.tpm,
            loop=args.loop,
            announce=lambda line: print(line, flush=True),
            offering_faults=args.offering_faults,
            retention_turns=args.retention_turns,
            capacity=args.capacity,
        )
    except InputError as error:
        print(error, file=sys.stderr)
        return 2
    except ValueError as error:  # FaultError included
        print(f"simulator: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"simulator: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
