"""Routes: offerings of a model on a host other than its lab's own API (an aggregator such as
OpenRouter, a cloud such as Bedrock or Vertex).

A route cannot outlive the model it reaches: when the lab shuts its API down, hosts that proxy
to it stop too. So a route whose own source gives no lifecycle dates inherits the lab's
offering's (with a source saying so). And a route's price should be the lab's price: lint
compares them within `PRICE_TOLERANCE`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from catalog.schema import Lifecycle, Offering, Source

LAB_PROVIDERS = {"zhipuai": "zai", "moonshotai": "moonshot"}
"""Labs whose canonical model prefix differs from the provider id of their own API."""

PRICE_TOLERANCE = 0.05
"""How far (relative to the larger) a route's input or output price may be from the lab's
own before lint flags it: aggregators pass the lab's price through, rounding aside."""


def direct_offerings(offerings: Iterable[Offering]) -> dict[str, Offering]:
    """The lab's own offering of each canonical model: one whose provider is the model id's
    lab prefix ('google/gemini-2.5-flash' on `google`), the one whose id is the rest if any."""
    out: dict[str, Offering] = {}
    for o in offerings:
        lab, _, rest = o.model.partition("/")
        if o.provider == LAB_PROVIDERS.get(lab, lab) and (o.model not in out or o.id == rest):
            out[o.model] = o
    return out


def direct_of(offering: Offering, direct: Mapping[str, Offering]) -> Offering | None:
    """The lab's offering `offering` routes to; None when it is the lab's own or unknown."""
    found = direct.get(offering.model)
    return None if found is None or found.key == offering.key else found


def inherit_lifecycles(offerings: tuple[Offering, ...]) -> tuple[Offering, ...]:
    """Offerings where each route with no lifecycle dates of its own takes the shutdown
    (and deprecation, successor) of its lab's offering, with a source naming where from."""
    direct = direct_offerings(offerings)
    out: list[Offering] = []
    for o in offerings:
        lab = direct_of(o, direct)
        out.append(_inherited(o, lab) if lab is not None else o)
    return tuple(out)


def _inherited(route: Offering, lab: Offering) -> Offering:
    own, theirs = route.lifecycle, lab.lifecycle
    if own.shutdown_date or own.deprecation_date or own.status != "active":
        return route  # the route's own source speaks; keep it
    if theirs.shutdown_date is None and theirs.deprecation_date is None:
        return route
    cited = theirs.source
    source = Source(
        ref=f"{lab.key}: " + (cited.ref if cited else "lifecycle of the direct offering"),
        checked=cited.checked if cited else route.limits.source.checked,
        note=f"inherited: a route to {lab.model} stops when {lab.provider} shuts it down; "
        "the route's own source gives no date",
    )
    lifecycle = Lifecycle(
        status=theirs.status if theirs.status in ("deprecated", "retired") else "active",
        release_date=own.release_date,
        deprecation_date=theirs.deprecation_date,
        shutdown_date=theirs.shutdown_date,
        successor=own.successor or theirs.successor,
        source=source,
    )
    return route.model_copy(update={"lifecycle": lifecycle})
