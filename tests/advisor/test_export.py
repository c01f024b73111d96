"""Exports read back by their own formats' parsers: every reference resolves, limits hold,
no key value is ever written, and files are written atomically and never replaced unasked."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from advisor.cli import cli
from advisor.export import ExportError, ExportExists, check_no_secrets, render, write
from advisor.export.common import chain
from advisor.export.openrouter import BODY_FIELDS, MAX_MODELS, PROVIDER_FIELDS
from advisor.match.matching import match
from advisor.plan import Plan, PlanOptions, make_plan, resolve_endpoints
from advisor.probe.measured import Measure, OfferingMeasures, RunMeasures
from advisor.workload.model import load_workloads
from catalog import Catalog, load_catalog
from catalog.loader import BUNDLED_DIR

EXAMPLES = Path(__file__).parents[2] / "examples" / "workloads.yaml"
TODAY = dt.date(2026, 11, 1)
SECRET = "sk-canary-0123456789abcdef"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog([BUNDLED_DIR])


def example_plan(catalog: Catalog, measures: RunMeasures | None = None, **options: Any) -> Plan:
    results = [match(w, catalog, today=TODAY) for w in load_workloads(EXAMPLES)]
    return make_plan(
        results,
        catalog,
        resolve_endpoints(catalog, {}),
        measures=measures,
        options=PlanOptions(**options),
        today=TODAY,
    )


@pytest.fixture(scope="module")
def full(catalog: Catalog) -> Plan:
    """Every optional part switched on, so every export path is exercised."""
    return example_plan(catalog, canary_weight=0.1, verifier=True, degraded=True)


def test_litellm_references_only_defined_groups(full: Plan, catalog: Catalog) -> None:
    config = yaml.safe_load(render("litellm", full, catalog))
    groups = {d["model_name"] for d in config["model_list"]}
    ids = {d["model_info"]["id"] for d in config["model_list"]}
    settings = config["router_settings"]
    for key in ("fallbacks", "context_window_fallbacks"):
        for item in settings.get(key, []):
            assert len(item) == 1
            ((source, targets),) = item.items()
            assert source in groups and isinstance(targets, list)
            assert set(targets) <= groups | ids
    assert {wp.name for wp in full.workloads} <= groups
    assert settings["routing_strategy"] == "simple-shuffle"
    assert "fallbacks" not in (config.get("litellm_settings") or {})
    for d in config["model_list"]:
        assert (
            d["litellm_params"]["api_key"].startswith("os.environ/")
            or d["litellm_params"]["api_key"] == "none"
        )
        assert d["litellm_params"]["max_retries"] == 0


def test_litellm_fallbacks_are_the_plans_chain_only(full: Plan, catalog: Catalog) -> None:
    """The verifier and the context fallback never answer a failed request: the fallback
    chain holds exactly the plan's fallbacks, in order."""
    config = yaml.safe_load(render("litellm", full, catalog))
    chains = {k: v for item in config["router_settings"]["fallbacks"] for k, v in item.items()}
    for wp in full.workloads:
        assert wp.verifier is not None
        expected = [f"{wp.name}.{d.name}" for d in chain(wp, full)]
        assert chains.get(wp.name, []) == expected
        assert not any(n.endswith((".verifier", ".context")) for n in chains.get(wp.name, []))


def test_litellm_puts_the_canary_in_a_group_of_its_own_for_the_plugin(
    full: Plan, catalog: Catalog
) -> None:
    """The canary is no member of the workload's group (a cooled-down or failing primary
    would leave it the group's traffic): its own group, whose fallback is the workload's
    group, carries its weight and its primary in model_info for the plugin the config names."""
    config = yaml.safe_load(render("litellm", full, catalog))
    assert config["litellm_settings"] == {"callbacks": ["advisor_canary.canary_gate"]}
    fallbacks = {k: v for f in config["router_settings"]["fallbacks"] for k, v in f.items()}
    for wp in full.workloads:
        assert wp.canary is not None
        group = [d for d in config["model_list"] if d["model_name"] == wp.name]
        assert "canary" not in {d["model_info"]["role"] for d in group}
        weights = [d["litellm_params"].get("weight") for d in group]
        assert weights == [None] or (sum(weights) == 100 and all(w > 0 for w in weights))
        (canary,) = [d for d in config["model_list"] if d["model_name"] == f"{wp.name}.canary"]
        assert "weight" not in canary["litellm_params"]
        info = canary["model_info"]
        assert (info["id"], info["offering"], info["role"]) == (
            f"{wp.name}:canary",
            wp.canary.choice.key,
            "canary",
        )
        assert (info["canary_of"], info["canary_weight"], info["canary_primary_id"]) == (
            wp.name,
            0.1,
            f"{wp.name}:primary",
        )
        assert fallbacks[f"{wp.name}.canary"] == [wp.name]
        assert not any(f"{wp.name}.canary" in chain for chain in fallbacks.values())
    plain = yaml.safe_load(render("litellm", example_plan(catalog), catalog))
    assert "litellm_settings" not in plain


def test_tensorzero_variants_and_models_resolve(full: Plan, catalog: Catalog) -> None:
    config = tomllib.loads(render("tensorzero", full, catalog))
    models = config["models"]
    for model in models.values():
        assert set(model["routing"]) <= set(model["providers"])
        for provider in model["providers"].values():
            location = provider["api_key_location"]
            assert location == "none" or location.startswith("env::")
    for wp in full.workloads:
        fn = config["functions"][wp.name]
        variants = fn["variants"]
        assert all(v["model"] in models for v in variants.values())
        experiment = fn["experimentation"]
        assert experiment["type"] == "static"
        assert set(experiment["candidate_variants"]) | set(experiment["fallback_variants"]) <= set(
            variants
        )
        assert "primary" in experiment["candidate_variants"]
        assert all(
            "weight" not in v for v in variants.values()
        )  # deprecated, an error with experimentation


def test_portkey_falls_back_on_timeouts_rate_limits_and_5xx(full: Plan, catalog: Catalog) -> None:
    doc = json.loads(render("portkey", full, catalog))
    assert doc["advisor"]["version"] == full.version
    for wp in full.workloads:
        config = doc["configs"][wp.name]
        assert config["strategy"]["mode"] == "fallback"
        assert {408, 429, 500, 502, 503, 504} <= set(config["strategy"]["on_status_codes"])
        retry = config.get("retry", {"attempts": 0})
        assert retry["attempts"] == min(5, wp.timeouts.retries)
        assert config["request_timeout"] * (1 + retry["attempts"]) == 1000 * wp.timeouts.hop_s
        first = config["targets"][0]
        assert first["strategy"]["mode"] == "loadbalance"  # primary and canary share traffic
        assert sum(t["weight"] for t in first["targets"]) == pytest.approx(1.0)
        assert len(config["targets"]) == 1 + len(wp.chain)
        shared = [u for t in first["targets"] for u in t.get("targets", [t])]
        for target in [*shared, *config["targets"][1:]]:
            assert target["override_params"]["model"]
            assert target.get("api_key", "${X}").startswith("${")


def test_portkey_gates_the_canary_on_the_primary_answering(full: Plan, catalog: Catalog) -> None:
    """The canary's share goes to the primary first and on to the canary only on a 200:
    while the primary is down, no request reaches the canary."""
    doc = json.loads(render("portkey", full, catalog))
    about = " ".join(doc["advisor"]["about"])
    for wp in full.workloads:
        assert wp.canary is not None
        shared = doc["configs"][wp.name]["targets"][0]["targets"]
        (gate,) = [t for t in shared if t["name"] == "canary-gate"]
        assert gate["strategy"] == {"mode": "fallback", "on_status_codes": [200]}
        assert gate["weight"] == pytest.approx(wp.canary.weight)
        check, canary = gate["targets"]
        (primary,) = [t for t in shared if t["name"] == "primary"]
        assert check == {k: v for k, v in primary.items() if k != "weight"} | {
            "name": "primary-check"
        }
        assert canary["override_params"]["model"] == wp.canary.choice.offering.id
        assert "weight" not in check and "weight" not in canary
        assert f"on to {wp.canary.choice.key} only if the primary answered" in about
    assert "cannot make the canary's share depend" not in json.dumps(doc)


def test_litellm_starts_with_a_master_key_and_never_retries_a_4xx(
    full: Plan, catalog: Catalog
) -> None:
    text = render("litellm", full, catalog)
    config = yaml.safe_load(text)
    assert config["general_settings"] == {"master_key": "os.environ/LITELLM_MASTER_KEY"}
    assert "export LITELLM_MASTER_KEY=" in text.split("\nmodel_list:")[0]
    settings = config["router_settings"]
    policy = settings["retry_policy"]
    for name in ("BadRequest", "Authentication", "ContentPolicyViolation", "NotFound"):
        assert policy[f"{name}ErrorRetries"] == 0
    assert policy["RateLimitErrorRetries"] == settings["num_retries"]
    # A canary in the plan: every request tries the primary, so the plugin sees each outcome.
    assert settings["disable_cooldowns"] is True and "cooldown_time" not in settings
    plain = yaml.safe_load(render("litellm", example_plan(catalog), catalog))["router_settings"]
    assert "disable_cooldowns" not in plain and plain["cooldown_time"] > 0


def test_tensorzero_never_makes_the_canary_a_fallback(full: Plan, catalog: Catalog) -> None:
    text = render("tensorzero", full, catalog)
    config = tomllib.loads(text)
    for wp in full.workloads:
        assert wp.canary is not None
        fn = config["functions"][wp.name]
        assert fn["experimentation"]["fallback_variants"] == []
        for name, variant in fn["variants"].items():
            assert variant["retries"]["num_retries"] == 0  # TensorZero would retry a 4xx too
            routing = config["models"][variant["model"]]["routing"]
            chain = [f"fallback-{i}" for i in range(1, len(wp.fallbacks) + 1)]
            chain += (["degraded"] if wp.degraded else []) + (
                ["context"] if "context" in routing else []
            )
            if name == "canary":  # a pinned request it fails goes down the primary's path
                assert routing == ["canary", "primary", *chain]
            else:
                assert "canary" not in routing and routing[0] == name
                assert routing[1:] == chain
        # Neither sampled nor a fallback: reached only when the application pins it.
        experiment = fn["experimentation"]
        assert "canary" in fn["variants"] and "canary" not in experiment["candidate_variants"]
        assert sum(experiment["candidate_variants"].values()) == pytest.approx(1.0, abs=1e-3)


def test_portkey_says_what_it_cannot_express_and_what_to_do(full: Plan, catalog: Catalog) -> None:
    doc = json.loads(render("portkey", full, catalog))
    missing = " ".join(doc["advisor"]["missing"])
    assert "TypeError: immutable" in missing and "canary gates" in missing
    for wp in full.workloads:
        if wp.context.choice:
            assert f"long_input_configs[{wp.name!r}]" in missing
            target = doc["long_input_configs"][wp.name]["targets"][0]
            assert target["name"] == "context"


def test_openrouter_fragments_keep_to_three_models_and_documented_fields(
    full: Plan, catalog: Catalog
) -> None:
    doc = json.loads(render("openrouter", full, catalog))
    assert doc["requests"]
    named = set(doc["requests"]) | set(doc["advisor"].get("absent", {}))
    assert named == {wp.name for wp in full.workloads} | {u.workload.name for u in full.unplanned}
    for fragment in doc["requests"].values():
        assert set(fragment) == BODY_FIELDS  # a body to send as is: no advisor metadata
        assert 1 <= len(fragment["models"]) <= MAX_MODELS
        assert fragment["model"] == fragment["models"][0]
        assert len(set(fragment["models"])) == len(fragment["models"])
        assert set(fragment["provider"]) <= PROVIDER_FIELDS
        assert all(isinstance(m, str) and "/" in m for m in fragment["models"])


def test_reports_say_where_figures_came_from(catalog: Catalog) -> None:
    best = example_plan(catalog)
    key = ("billing-classifier", best.workloads[0].primary.key)
    measured = RunMeasures(
        3, True, {key: OfferingMeasures({"latency.ttft_ms_p95": Measure(300.0, 10, "ms")}, 10, 0)}
    )
    p = example_plan(catalog, measured)
    md = render("report", p, catalog)
    assert "SIMULATED" in md and "simulated probe run 3" in md
    assert "(simulated, n=10)" in md and "(catalog)" in md
    for wp in p.workloads:
        assert f"## {wp.name}" in md
    data = json.loads(render("report", p, catalog, Path("plan.json")))
    assert data["simulated"] is True and data["run_id"] == 3
    origins = {b["origin"] for w in data["workloads"] for b in w["primary"]["basis"]}
    assert {"simulated", "catalog"} <= origins
    assert "SIMULATED" not in render("report", best, catalog)


@pytest.mark.parametrize("fmt", ["litellm", "tensorzero", "portkey", "openrouter", "report"])
def test_figures_from_a_time_scaled_run_say_they_were_converted(catalog: Catalog, fmt: str) -> None:
    best = example_plan(catalog)
    key = ("billing-classifier", best.workloads[0].primary.key)
    figures = {"latency.ttft_ms_p95": Measure(300.0, 10, "ms")}
    scaled = RunMeasures(4, True, {key: OfferingMeasures(figures, 10, 0)}, time_scale=0.1)
    text = render(fmt, example_plan(catalog, scaled), catalog)
    assert "TIME-SCALED" in text and "×0.1" in text  # wrapped in comment blocks
    assert "TIME-SCALED" not in render(fmt, best, catalog)
    if fmt == "report":
        assert "Figures: simulated probe run 4 (time-scaled ×0.1, converted to real time)" in text
        data = json.loads(render(fmt, example_plan(catalog, scaled), catalog, Path("p.json")))
        runs = {w["workload"]: w["run"] for w in data["workloads"]}
        assert runs["billing-classifier"]["converted_to_real_time"] is True
        assert runs["support-chat"] is None  # the run did not measure it


@pytest.mark.parametrize("fmt", ["litellm", "tensorzero", "portkey", "openrouter", "report"])
def test_every_export_starts_by_naming_version_catalog_and_run(
    full: Plan, catalog: Catalog, fmt: str
) -> None:
    text = render(fmt, full, catalog)
    assert f"model-advisor {full.version}" in text
    assert "catalog prices checked up to" in text
    assert "catalog figures (not probed)" in text
    if fmt in ("litellm", "tensorzero"):
        assert text.startswith("# ")


def test_a_key_value_never_reaches_an_export(
    full: Plan, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    for endpoint in full.endpoints.values():
        if endpoint.key_env:
            monkeypatch.setenv(endpoint.key_env, SECRET)
    for fmt in ("litellm", "tensorzero", "portkey", "openrouter", "report"):
        text = render(fmt, full, catalog)
        assert SECRET not in text
        check_no_secrets(text, full)
    with pytest.raises(ExportError):
        check_no_secrets(f"api_key: {SECRET}", full)


def test_write_is_atomic_and_never_replaces_unasked(tmp_path: Path) -> None:
    target = tmp_path / "out" / "config.yaml"
    target.parent.mkdir()
    write(target, "one\n")
    assert target.read_text() == "one\n"
    mode = stat.S_IMODE(target.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask
    with pytest.raises(ExportExists):
        write(target, "two\n")
    assert target.read_text() == "one\n"
    write(target, "two\n", force=True)
    assert target.read_text() == "two\n"
    assert [p.name for p in target.parent.iterdir()] == ["config.yaml"]  # no temporary left


def test_cli_export_writes_the_canary_plugin_beside_a_litellm_config(tmp_path: Path) -> None:
    """With a canary, the plugin the config names lands beside it; written again unchanged
    it needs no --force, but a different file of that name is never replaced unasked. On
    stdout there is no folder to write it to, so the command says so."""
    out, plugin = tmp_path / "router.yaml", tmp_path / "advisor_canary.py"
    args = ["export", str(EXAMPLES), "--format", "litellm", "--canary-weight", "0.1"]
    runner = CliRunner()
    first = runner.invoke(cli, [*args, "-o", str(out)])
    assert first.exit_code == 0, first.output
    assert f"wrote {plugin} (loaded by the litellm config)" in first.stderr
    assert "class CanaryGate(CustomLogger)" in plugin.read_text()
    again = runner.invoke(cli, [*args, "-o", str(tmp_path / "other.yaml")])
    assert again.exit_code == 0, again.output
    plugin.write_text("# mine\n")
    refused = runner.invoke(cli, [*args, "-o", str(tmp_path / "third.yaml")])
    assert refused.exit_code == 2 and f"{plugin} exists; use --force" in refused.output
    assert plugin.read_text() == "# mine\n"
    printed = runner.invoke(cli, args)
    assert printed.exit_code == 0 and "needs advisor_canary.py beside it" in printed.stderr
    assert "advisor_canary.canary_gate" in printed.stdout
    plain = runner.invoke(cli, ["export", str(EXAMPLES), "--format", "litellm"])
    assert "advisor_canary" not in plain.output


def test_cli_export_refuses_an_existing_file_with_status_2(tmp_path: Path) -> None:
    out = tmp_path / "router.yaml"
    runner = CliRunner()
    first = runner.invoke(cli, ["export", str(EXAMPLES), "--format", "litellm", "-o", str(out)])
    assert first.exit_code == 0, first.output
    assert yaml.safe_load(out.read_text())["model_list"]
    again = runner.invoke(cli, ["export", str(EXAMPLES), "--format", "litellm", "-o", str(out)])
    assert again.exit_code == 2
    assert "exists; use --force" in again.output
    forced = runner.invoke(
        cli, ["export", str(EXAMPLES), "--format", "litellm", "-o", str(out), "--force"]
    )
    assert forced.exit_code == 0


def test_cli_plan_json_and_bad_options(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["plan", str(EXAMPLES), "--json", "--canary-weight", "0.05"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # stderr names offerings near their sunset
    assert {w["workload"] for w in data["workloads"]} == {w.name for w in load_workloads(EXAMPLES)}
    assert all(w["canary"]["weight"] == 0.05 for w in data["workloads"] if w["canary"])
    bad = runner.invoke(
        cli, ["plan", str(EXAMPLES), "--canary", "nope/nope", "--canary-weight", "0.1"]
    )
    assert bad.exit_code == 2 and "not a candidate" in bad.output
    no_run = runner.invoke(cli, ["plan", str(EXAMPLES), "--run", "99"])
    assert no_run.exit_code == 2 and "no run 99" in no_run.output
    weight = runner.invoke(cli, ["plan", str(EXAMPLES), "--canary-weight", "1.5"])
    assert weight.exit_code == 2
    fmt = runner.invoke(cli, ["run", str(EXAMPLES), "--export", "gateway:x.yaml"])
    assert fmt.exit_code == 2 and "unknown format 'gateway'" in fmt.output


PROBE_WORKLOADS = Path(__file__).resolve().parents[1] / "data" / "probe" / "workloads.yaml"
FAST = ["--time-scale", "0.02", "--requests", "4", "--top", "1"]


def test_run_probes_plans_and_exports_in_one_go(advisor_home: Path, tmp_path: Path) -> None:
    router, report = tmp_path / "router.yaml", tmp_path / "plan.md"
    args = ["run", str(PROBE_WORKLOADS), "--probe", "sim", *FAST]
    args += ["--export", f"litellm:{router}", "--export", f"report:{report}"]
    result = CliRunner(env={"COLUMNS": "200"}).invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    config = yaml.safe_load(router.read_text())
    assert "tagger" in {d["model_name"] for d in config["model_list"]}
    text = router.read_text()
    assert text.startswith("# LiteLLM proxy config written by model-advisor")
    assert "SIMULATED" in text and "simulated probe run 1" in text
    md = report.read_text()
    assert "(simulated, n=" in md and "## tagger" in md
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 2 and "exists; use --force" in again.output


def test_a_live_run_writes_no_key_into_exports(
    advisor_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from probes.simulator import running_simulator

    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    with running_simulator((BUNDLED_DIR,), time_scale=0.02, seed=3) as sim:
        advisor_home.mkdir(parents=True, exist_ok=True)
        (advisor_home / "providers.yaml").write_text(
            f"providers:\n  openai: {{base_url: {sim.url}/p/openai/v1}}\n", encoding="utf-8"
        )
        outputs = {
            fmt: tmp_path / name
            for fmt, name in [
                ("litellm", "l.yaml"),
                ("tensorzero", "t.toml"),
                ("portkey", "p.json"),
                ("openrouter", "o.json"),
                ("report", "r.md"),
            ]
        }
        args = ["run", str(PROBE_WORKLOADS), "--probe", "live", "--budget-usd", "5", *FAST]
        for fmt, path in outputs.items():
            args += ["--export", f"{fmt}:{path}"]
        result = CliRunner(env={"COLUMNS": "200"}).invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert SECRET not in result.stdout and SECRET not in result.stderr
    for path in outputs.values():
        text = path.read_text()
        assert SECRET not in text
        assert "live probe run" in text
    assert "os.environ/OPENAI_API_KEY" in outputs["litellm"].read_text()


def test_the_headers_say_how_the_canary_is_kept_out_of_an_outage(
    full: Plan, catalog: Catalog
) -> None:
    """LiteLLM: the plugin beside the config and its rule. TensorZero cannot (docs/gateways.md):
    a warning per workload, and how the application sends the canary its share."""
    litellm = unwrapped(render("litellm", full, catalog).split("\nmodel_list:")[0])
    assert "the plugin advisor_canary.py (written with this file) must sit beside it" in litellm
    assert "only while the primary's last attempt succeeded" in litellm
    assert "WARNING" not in litellm
    tensorzero = unwrapped(render("tensorzero", full, catalog).split("\n[")[0])
    warning = "WARNING: this gateway does not send the canary its share"
    assert tensorzero.count(warning) == len(full.workloads)
    for wp in full.workloads:
        assert wp.canary is not None
        assert f"the application pins {wp.canary.weight:.0%} of requests to it" in tensorzero
    plain = example_plan(catalog)
    assert "advisor_canary" not in render("litellm", plain, catalog)
    assert warning not in render("tensorzero", plain, catalog)


def test_fallbacks_time_out_at_what_the_budget_leaves_after_the_primary(
    full: Plan, catalog: Catalog
) -> None:
    split = [wp for wp in full.workloads if wp.timeouts.fallback_s is not None]
    assert split, "the examples have workloads with a latency budget and fallbacks"
    litellm = yaml.safe_load(render("litellm", full, catalog))["model_list"]
    portkey = json.loads(render("portkey", full, catalog))["configs"]
    tensorzero = tomllib.loads(render("tensorzero", full, catalog))["models"]
    for wp in split:
        t = wp.timeouts
        by_id = {d["model_info"]["id"]: d["litellm_params"] for d in litellm}
        assert by_id[f"{wp.name}:primary"]["timeout"] == t.request_s
        assert by_id[f"{wp.name}:fallback-1"]["timeout"] == t.fallback_s
        assert by_id[f"{wp.name}:fallback-1"]["stream_timeout"] <= t.fallback_s
        config = portkey[wp.name]
        assert config["request_timeout"] == round(1000 * t.request_s)
        fallback = config["targets"][1]
        assert fallback.get("request_timeout", config["request_timeout"]) == round(
            1000 * (t.fallback_s or 0)
        )
        primary_model = tensorzero[f"{wp.name}.primary"]["providers"]
        timeouts = primary_model["fallback-1"]["timeouts"]["non_streaming"]
        assert timeouts["total_ms"] == round(1000 * (t.fallback_s or 0))
        assert primary_model["primary"]["timeouts"]["non_streaming"]["total_ms"] == round(
            1000 * t.request_s
        )
        assert f"{wp.name}: {t.summary()}" in unwrapped(render("litellm", full, catalog))


def unwrapped(header: str) -> str:
    """A header comment as one line per entry: its wrapped continuation lines joined."""
    return re.sub(r"\n#\s+", " ", header)
