"""`salvage`: a mapping that fails the schema, read field by field for the cross-field rules."""

from __future__ import annotations

import datetime as dt

from catalog.salvage import salvage
from catalog.schema import Limits, Offering


def test_valid_fields_keep_their_values_and_bad_ones_read_as_unknown() -> None:
    offering = salvage(
        Offering,
        {
            "id": "a-1",
            "colour": "blue",
            "limits": {"context": 1000, "output": "lots"},
            "lifecycle": {"status": "retired", "shutdown_date": "2026-04-01", "shade": 3},
            "free": "yes",
        },
    )
    assert offering.id == "a-1"
    assert (offering.limits.context, offering.limits.output) == (1000, None)
    assert offering.limits.source.ref is None  # a required block that is missing reads empty
    assert offering.lifecycle.status == "retired"
    assert offering.lifecycle.shutdown_date == dt.date(2026, 4, 1)
    assert offering.free is False  # strict like the schema: 'yes' is not a boolean
    assert offering.pricing is None
    assert offering.capabilities.reasoning.supported is None


def test_a_required_model_that_is_missing_or_not_a_mapping_is_an_empty_one() -> None:
    assert salvage(Offering, {"limits": [1, 2]}).limits == salvage(Limits, {})
    assert salvage(Offering, "not a mapping").limits.context is None


def test_numbers_keep_the_schema_bounds() -> None:
    limits = salvage(Limits, {"context": -1, "output": float("nan"), "input": 10**12})
    assert (limits.context, limits.output, limits.input) == (None, None, None)
