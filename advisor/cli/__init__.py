"""The `advisor` command line: a thin front end over the same functions the TUI uses.

Each command lives in its own module and registers itself with click's decorators on the
root group (or on a group another module defines). The modules load lazily, so that
`advisor --help` imports none of them: each command is registered below with the modules
that define or extend it and the first sentence of its help, shown in the command list.

To add a command: write its module, then add one `cli.lazy(...)` line here.
tests/advisor/test_cli_lazy.py checks this table against the commands the modules define.
"""

from advisor.cli.base import cli, main

cli.lazy(
    "catalog", "catalog_cmd", "maintain_cmd", short_help="Inspect and validate the trait catalog."
)
cli.lazy(
    "export",
    "plan_cmd",
    short_help="Write the plan as a config a gateway loads (litellm, tensorzero, portkey, openrouter) or as a report (Markdown; JSON when the file ends in .json).",
)
cli.lazy(
    "gate",
    "gate_cmd",
    short_help="Judge a running canary against its plan's gates and print promote, hold or rollback.",
)
cli.lazy(
    "history",
    "history_cmd",
    short_help="List probing runs, newest first; a run whose process died shows as interrupted.",
)
cli.lazy(
    "match",
    "match_cmd",
    short_help="Rank catalog offerings for each workload: candidates with score, cost and flags; exclusions with every reason.",
)
cli.lazy(
    "plan",
    "plan_cmd",
    short_help="Plan each workload: primary, fallbacks (another provider first), context fallback, timeouts and retries, and on request a canary with gates, a verifier and a degraded last resort; every choice with its reason and where its numbers came from.",
)
cli.lazy(
    "probe",
    "probe_cmd",
    short_help="Measure the best candidates of each workload: latency, determinism, long context, structured output, the workload's own samples, instruction retention over a conversation and correctness at its peak rate.",
)
cli.lazy(
    "replay",
    "replay_cmd",
    short_help="Replay request logs through a plan as its gateway would route them (fallback order, cooldowns, rate limits, timeouts and retries, context fallback, canary weight): requests served by each offering, fallback share, errors users would have seen, latency and the monthly cost with its interval; two --plan side by side.",
)
cli.lazy(
    "run",
    "plan_cmd",
    short_help="The whole pipeline, headless: match, probe (optionally), plan, and write every export.",
)
cli.lazy(
    "sim",
    "sim_cmd",
    short_help="Serve every catalog offering on loopback the way its provider's API does (OpenAI, Anthropic, Gemini wires), with the catalog's limits and traits, until Ctrl+C.",
)
cli.lazy(
    "tui",
    "tui_cmd",
    short_help="Open the terminal UI (the default command), on WORKLOADS.yaml if given.",
)
cli.lazy(
    "workload",
    "workload_cmd",
    short_help="Workloads from real traffic: derive them from request logs.",
)

__all__ = ["cli", "main"]
