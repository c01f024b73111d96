"""probes.aio.run: the coroutine's result comes back, and nothing formats it on the way."""

from __future__ import annotations

from probes import aio


class Heavy:
    """A result whose repr is counted: a run's result holds megabytes of prompts."""

    reprs = 0

    def __repr__(self) -> str:
        Heavy.reprs += 1
        return "Heavy()"


async def make() -> Heavy:
    return Heavy()


def test_run_returns_the_result_without_formatting_it() -> None:
    Heavy.reprs = 0
    result = aio.run(make())
    assert isinstance(result, Heavy)
    assert Heavy.reprs == 0


async def fail() -> None:
    raise KeyError("boom")


def test_run_raises_what_the_coroutine_raises() -> None:
    try:
        aio.run(fail())
    except KeyError as error:
        assert error.args == ("boom",)
    else:
        raise AssertionError("the coroutine's error was lost")
