"""The query language shared by `catalog show` and the Catalog screen's search box."""

from __future__ import annotations

import pytest

from catalog import Catalog
from catalog.query import QueryError, parse_query


def keys(catalog: Catalog, query: str) -> list[str]:
    return [o.key for o in parse_query(query).filter(catalog.offerings)]


def test_empty_query_keeps_everything(tiny_catalog: Catalog) -> None:
    assert len(keys(tiny_catalog, "")) == 6


def test_words_match_key_name_model_and_aliases(tiny_catalog: Catalog) -> None:
    assert keys(tiny_catalog, "small-latest") == ["acme/acme-small-2"]
    assert keys(tiny_catalog, "OPAL free") == ["hostel/opal-70b:free"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("provider:hostel", ["hostel/opal-70b", "hostel/opal-70b:free"]),
        ("status:deprecated", ["acme/acme-large-1"]),
        ("input:pdf", ["acme/acme-large-2"]),
        ("ctx:131k", ["acme/acme-large-2", "hostel/opal-70b"]),
        ("ctx:0.2m", ["acme/acme-large-2"]),
        ("free", ["hostel/opal-70b:free"]),
        ("open -free", ["hostel/opal-70b"]),
        (
            "provider:acme -status:retired -status:deprecated",
            ["acme/acme-large-2", "acme/acme-small-2"],
        ),
    ],
)
def test_filters(tiny_catalog: Catalog, query: str, expected: list[str]) -> None:
    assert keys(tiny_catalog, query) == expected


def test_unknown_traits_never_pass_a_filter(tiny_catalog: Catalog) -> None:
    # opal-70b:free has no output limit and acme-small-1 no price: neither is "free" by accident
    assert "acme/acme-small-1" not in keys(tiny_catalog, "free")


@pytest.mark.parametrize("query", ["ctx:lots", "ctx:inf", "ctx:nan", "colour:red", "provider:"])
def test_bad_filters_say_what_is_wrong(query: str) -> None:
    with pytest.raises(QueryError):
        parse_query(query)


def test_a_lone_dash_is_a_word() -> None:
    assert parse_query("-").words == ("-",)
