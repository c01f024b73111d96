"""Targets: an offering plus the endpoint and credentials to reach it, live or simulated.

Live targets use the catalog provider's base URL and key variable, unless the user's providers
file overrides them (a proxy, an Azure deployment, a local server). A simulated target points
at the simulator's route for the same provider, so the same client code talks to both. Keys
are read from the environment when a request is sent and are never stored on a target.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from catalog import Catalog, Offering, Provider
from catalog.files import WORKLOAD_FILE_MAX, read_input
from catalog.problems import InputError, Locator, load_yaml, validation_problems
from catalog.schema import ENV_VAR
from probes.simulator.app import sim_base_url


class ProviderOverride(BaseModel):
    """What the user's providers file may change about a provider."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    base_url: str | None = Field(default=None, pattern=r"^https?://")
    key_env: str | None = Field(default=None, pattern=ENV_VAR)


class ProvidersFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    providers: dict[str, ProviderOverride] = Field(default_factory=dict)


def load_overrides(path: Path, providers: Mapping[str, Provider]) -> dict[str, ProviderOverride]:
    """The providers file, if it exists; InputError with positions when it is malformed or
    names a provider the catalog does not have."""
    if not path.exists():
        return {}
    text = read_input(path, WORKLOAD_FILE_MAX, "providers file")
    data = load_yaml(path, text) or {}
    locator = Locator(path, text)
    try:
        overrides = dict(ProvidersFile.model_validate(data).providers)
    except ValidationError as error:
        raise InputError(validation_problems(error, data, locator)) from None
    unknown = [
        locator.problem(("providers", name), f"no provider {name!r} in the catalog")
        for name in overrides
        if name not in providers
    ]
    if unknown:
        raise InputError(unknown)
    return overrides


@dataclass(frozen=True)
class Target:
    """Where and how to send an offering's requests."""

    offering: Offering
    api: str
    base_url: str
    key_env: str | None
    simulated: bool
    clock: Literal["client", "sim"] = "client"
    """How its answers are timed: on arrival, by our clock; or ('sim', the simulator only) by
    the schedule the simulator intended (its x-sim-ttft-ms and x-sim-e2e-ms), which no load
    on this machine moves: for benches that compare two ways of probing on equal terms."""

    @property
    def key(self) -> str:
        return self.offering.key

    def api_key(self) -> str | None:
        """The key, read from the environment at the moment it is needed."""
        return os.environ.get(self.key_env) if self.key_env else None


@dataclass(frozen=True)
class Skipped:
    """An offering that cannot be probed live, and why."""

    offering: Offering
    reason: str


def simulated_targets(
    catalog: Catalog,
    offerings: Iterable[Offering],
    sim_url: str,
    clock: Literal["client", "sim"] = "client",
) -> list[Target]:
    """Targets on the simulator at `sim_url` (e.g. http://127.0.0.1:8123), timed by `clock`."""
    out = []
    for offering in offerings:
        provider = catalog.providers[offering.provider]
        base_url = sim_base_url(sim_url, provider)
        out.append(Target(offering, provider.api, base_url, None, simulated=True, clock=clock))
    return out


def live_targets(
    catalog: Catalog,
    offerings: Iterable[Offering],
    overrides: Mapping[str, ProviderOverride],
    environ: Mapping[str, str] = os.environ,
) -> tuple[list[Target], list[Skipped]]:
    """Targets for every offering whose provider has a key set (or needs none and was
    configured by the user); the rest are skipped with the reason."""
    targets, skipped = [], []
    for offering in offerings:
        provider = catalog.providers[offering.provider]
        override = overrides.get(provider.id)
        base_url = (
            override.base_url if override and override.base_url else None
        ) or provider.base_url
        key_env = (override.key_env if override and override.key_env else None) or provider.key_env
        if key_env is None:
            if provider.self_hosted and override is None:
                skipped.append(
                    Skipped(offering, f"self-hosted: add {provider.id} to the providers file")
                )
                continue
        elif not environ.get(key_env):
            skipped.append(Skipped(offering, f"{key_env} is not set"))
            continue
        elif any(c in environ[key_env] for c in "\r\n\0"):
            # It would break the request's headers; a newline pasted with the key, usually.
            skipped.append(Skipped(offering, f"{key_env} holds a line break or NUL"))
            continue
        targets.append(Target(offering, provider.api, base_url, key_env, simulated=False))
    return targets, skipped


def key_variables(catalog: Catalog, overrides: Mapping[str, ProviderOverride]) -> set[str]:
    """Every environment variable that may hold a key: what the redactor must hide."""
    names = {p.key_env for p in catalog.providers.values() if p.key_env}
    names |= {o.key_env for o in overrides.values() if o.key_env}
    return names
