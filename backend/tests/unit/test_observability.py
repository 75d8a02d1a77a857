"""Observability without the product running: settings, JSON log lines with request and trace ids,
tracing off without the `otel` extra, the metrics token rule. The metrics themselves are tested
over HTTP in tests/api/test_metrics.py."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from litestar import Litestar, get
from litestar.testing import TestClient

from voelgoed.lib import tracing
from voelgoed.lib.logs import configure_logging
from voelgoed.lib.metrics import token_allows
from voelgoed.lib.requestid import request_id_middleware
from voelgoed.settings import REPO_ROOT, SettingsError, load_settings

BASE = {"SECRET_KEY": "x" * 32}


def test_observability_defaults_are_off(tmp_path: Path) -> None:
    s = load_settings({**BASE, "VOELGOED_DATA_DIR": str(tmp_path)}).observability
    assert (s.metrics_token, s.worker_metrics_port, s.worker_metrics_host) == (None, 0, "127.0.0.1")
    assert (s.otlp_endpoint, s.service_name) == (None, "voelgoed")


def test_observability_settings_are_read_and_checked(tmp_path: Path) -> None:
    s = load_settings(
        {
            **BASE,
            "VOELGOED_DATA_DIR": str(tmp_path),
            "METRICS_TOKEN": "m" * 20,
            "WORKER_METRICS_PORT": "9101",
            "WORKER_METRICS_HOST": "0.0.0.0",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
            "OTEL_SERVICE_NAME": "tickets",
        }
    ).observability
    assert (s.metrics_token, s.worker_metrics_port, s.worker_metrics_host) == ("m" * 20, 9101, "0.0.0.0")
    assert (s.otlp_endpoint, s.service_name) == ("http://collector:4318", "tickets")
    with pytest.raises(SettingsError) as caught:
        load_settings(
            {**BASE, "METRICS_TOKEN": "short", "WORKER_METRICS_PORT": "70000", "OTEL_EXPORTER_OTLP_ENDPOINT": "x"}
        )
    assert sorted(p.split(" ")[0] for p in caught.value.problems) == [
        "METRICS_TOKEN",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "WORKER_METRICS_PORT",
    ]


def test_json_logs_are_the_default_in_production_only(tmp_path: Path) -> None:
    production = {
        **BASE,
        "VOELGOED_ENV": "production",
        "VOELGOED_DATA_DIR": str(tmp_path),
        "PUBLIC_URL": "https://tickets.example.org",
        "DATABASE_URL": "postgresql://u:p@db/v",
        "REDIS_URL": "redis://redis:6379/0",
        "SMTP_HOST": "smtp.example.org",
        "MAIL_FROM": "Tickets <tickets@example.org>",
        "MEDIA_DIR": str(tmp_path / "media"),
    }
    assert load_settings(production).logging.json is True
    assert load_settings({**production, "LOG_JSON": "0"}).logging.json is False
    assert load_settings({**BASE, "VOELGOED_DATA_DIR": str(tmp_path)}).logging.json is False


def test_the_metrics_token_rule() -> None:
    token = "t" * 24
    assert token_allows(token, f"Bearer {token}") and token_allows(token, f"bearer {token}")
    assert not token_allows(token, None) and not token_allows(token, f"Basic {token}")
    assert not token_allows(token, "Bearer " + "t" * 23) and not token_allows(None, f"Bearer {token}")
    assert not token_allows("", "Bearer ")


def _json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_json_log_lines_carry_the_request_id(capsys: pytest.CaptureFixture[str]) -> None:
    @get("/hello", sync_to_thread=False)
    def hello() -> str:
        logging.getLogger("voelgoed.test").info("inside the request")
        return "hi"

    configure_logging("INFO", as_json=True)
    try:
        with TestClient(Litestar([hello], middleware=[request_id_middleware], logging_config=None)) as client:
            answered = client.get("/hello", headers={"X-Request-ID": "req-abc-123"})
            generated = client.get("/hello")
        logging.getLogger("voelgoed.test").info("outside any request")
    finally:
        configure_logging("INFO", as_json=False)
    lines = [line for line in _json_lines(capsys.readouterr().err) if line["logger"] == "voelgoed.test"]
    assert [line["request_id"] for line in lines] == [
        "req-abc-123",
        generated.headers["x-request-id"],
        "-",
    ]
    assert answered.headers["x-request-id"] == "req-abc-123"
    assert all("trace_id" not in line for line in lines)  # tracing is off


def test_json_log_lines_carry_the_trace_id_when_tracing_is_on(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from opentelemetry.sdk.trace import TracerProvider

    monkeypatch.setattr(tracing, "_started", True)  # as after start_tracing, without a global exporter
    tracer = TracerProvider().get_tracer("test")
    configure_logging("INFO", as_json=True)
    try:
        with tracer.start_as_current_span("work") as span:
            logging.getLogger("voelgoed.test").info("traced")
            expected = format(span.get_span_context().trace_id, "032x")
    finally:
        configure_logging("INFO", as_json=False)
    (line,) = [line for line in _json_lines(capsys.readouterr().err) if line["logger"] == "voelgoed.test"]
    assert line["trace_id"] == expected and len(expected) == 32


def test_tracing_off_needs_no_opentelemetry_and_on_names_the_missing_extra(tmp_path: Path) -> None:
    # A stand-in package that fails to import, as on an install without the `otel` extra.
    (tmp_path / "opentelemetry").mkdir()
    (tmp_path / "opentelemetry" / "__init__.py").write_text("raise ImportError('not installed')\n")
    script = (
        "from voelgoed.app import create_app\n"
        "from voelgoed.settings import load_settings\n"
        "s = load_settings()\n"
        "create_app(s, database_url='postgresql+asyncpg://u@127.0.0.1:1/x', redis_url='redis://127.0.0.1:1')\n"
        "print('started')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "SECRET_KEY": "x" * 32, "VOELGOED_DATA_DIR": str(tmp_path)}
    env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    off = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert off.returncode == 0 and "started" in off.stdout, off.stderr[-2000:]
    env["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:4318"
    on = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert on.returncode != 0 and "voelgoed[otel]" in on.stderr, on.stderr[-2000:]


# --- infra/: the dashboard and the scrape configuration ------------------------------------------
def _metric_names() -> set[str]:
    """Every series name the product can expose (the worker's too: one registry, lib/metrics.py)."""
    from voelgoed.lib.metrics import REGISTRY

    names: set[str] = set()
    for family in REGISTRY.collect():
        suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"]}.get(family.type, [""])
        names |= {family.name + suffix for suffix in suffixes}
    return names


def test_the_grafana_dashboard_queries_only_metrics_the_product_exposes() -> None:
    dashboard = json.loads((REPO_ROOT / "infra" / "grafana" / "voelgoed.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    used = {name for e in exprs for name in re.findall(r"\bvoelgoed_[a-z_]+", e)}
    assert used and used <= _metric_names(), used - _metric_names()
    # Every area the issue names has a panel.
    for metric in (
        "voelgoed_http_requests_total",
        "voelgoed_http_request_duration_seconds_bucket",
        "voelgoed_holds_total",
        "voelgoed_orders_paid_total",
        "voelgoed_scans_total",
        "voelgoed_queue_jobs",
        "voelgoed_job_duration_seconds_bucket",
        "voelgoed_db_pool_checked_out",
    ):
        assert metric in used, metric
    assert not any('route="/' in e for e in exprs)  # routes are picked by the dashboard's variable
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))


def test_scrape_config_matches_the_ports_the_deployments_open() -> None:
    prometheus = yaml.safe_load((REPO_ROOT / "infra" / "prometheus" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in prometheus["scrape_configs"]}
    compose = yaml.safe_load((REPO_ROOT / "infra" / "compose" / "compose.yaml").read_text())
    worker_port = int(compose["services"]["worker"]["environment"]["WORKER_METRICS_PORT"])
    assert jobs["voelgoed-worker"]["dns_sd_configs"][0]["port"] == worker_port
    assert jobs["voelgoed-api"]["dns_sd_configs"][0]["port"] == 8000
    values = yaml.safe_load((REPO_ROOT / "infra" / "helm" / "voelgoed" / "values.yaml").read_text())
    assert values["metrics"]["workerPort"] == worker_port
    assert all(job["authorization"]["type"] == "Bearer" for job in jobs.values())  # /metrics needs the token
    assert "METRICS_TOKEN" in compose["services"]["api"]["environment"]
    caddy = (REPO_ROOT / "infra" / "compose" / "Caddyfile").read_text()
    assert "respond /metrics 404" in caddy  # never served to the internet through the proxy


def test_traces_are_exported_over_otlp_named_by_route_and_logs_carry_their_trace_id() -> None:
    probe = Path(__file__).with_name("tracing_probe.py")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "backend")}
    done = subprocess.run([sys.executable, str(probe)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    servers = [s for s in result["spans"] if s["route"] is not None]
    assert len(servers) == 1, result["spans"]
    server = servers[0]
    assert server["path"] == "/v1/traces" and server["service"] == "voelgoed-probe"
    # Named by the route template, never the raw path (one name per order reference otherwise).
    assert server["name"] == "GET /orders/{reference}" and server["route"] == "/orders/{reference}"
    assert not any("VG-ABC1234" in s["name"] for s in result["spans"])
    (line,) = result["log"]
    assert line["request_id"] == "probe-1" and line["trace_id"] == server["trace_id"]
