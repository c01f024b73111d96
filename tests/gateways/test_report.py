"""docs/gateways.md is rendered from the suite's results: every scenario, every gateway."""

from __future__ import annotations

import datetime as dt

from tests.gateways.report import render
from tests.gateways.scenarios import SCENARIOS


def test_the_table_has_a_cell_per_scenario_and_gateway_and_numbers_its_notes() -> None:
    rows = [
        {
            "gateway": g,
            "version": f"{g} 1.0",
            "scenario": s.id,
            "title": s.title,
            "held": not (g == "portkey" and s.id == "streaming"),
            "seconds": 0.5,
            "seen": "primary 3/3",
            "problems": ["HTTP 500"] if (g == "portkey" and s.id == "streaming") else [],
            "note": "gateway bug" if (g == "portkey" and s.id == "streaming") else "",
        }
        for g in ("litellm", "portkey")
        for s in SCENARIOS
    ]
    page = render(rows, dt.date(2026, 12, 6))
    table = [line for line in page.splitlines() if line.startswith("| ") and "0.50 s" in line]
    assert len(table) == len(SCENARIOS)
    assert "| streaming | held, 0.50 s | **not held**, 0.50 s (1) |" in page
    assert "1. portkey, streaming: HTTP 500; gateway bug" in page
    assert "litellm (litellm 1.0)" in page and "tensorzero" not in page.split("## Known")[0]
