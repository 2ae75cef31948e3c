"""The Kubernetes manifests and the container recipe (deploy/): valid against Kubernetes' schemas
(kubernetes-validate, strict), wired to each other, and speaking the application's settings."""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from tuaton.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
KUBERNETES_VERSION = "1.33.0"


def _documents() -> list[dict]:
    return [doc for path in sorted((DEPLOY / "kubernetes").glob("*.yaml"))
            for doc in yaml.safe_load_all(path.read_text()) if doc]


def _one(kind: str) -> dict:
    [found] = [d for d in _documents() if d["kind"] == kind]
    return found


@pytest.mark.parametrize("document", _documents(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_every_manifest_is_valid_kubernetes(document):
    kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_the_manifests_cover_what_a_deployment_needs():
    kinds = {d["kind"] for d in _documents()}
    assert {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "ConfigMap", "Secret",
            "Job"} <= kinds


def test_service_pdb_and_autoscaler_point_at_the_deployment():
    deployment = _one("Deployment")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert _one("Service")["spec"]["selector"].items() <= pod_labels.items()
    assert _one("PodDisruptionBudget")["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    target = _one("HorizontalPodAutoscaler")["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])


def test_probes_use_readiness_for_dependencies_and_liveness_for_the_process():
    container = _one("Deployment")["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert "/app/var" in mounts                       # the only place the application writes


def test_every_variable_they_set_is_a_setting_the_application_reads():
    known = {f"TUATON_{name.upper()}" for name in Settings.model_fields}
    variables = {**_one("ConfigMap")["data"], **_one("Secret")["stringData"]}
    unknown = {v for v in variables if v.startswith("TUATON_") and v not in known}
    assert not unknown, f"not Tuaton settings: {sorted(unknown)}"


def test_the_image_runs_the_server_unprivileged():
    recipe = (DEPLOY / "Containerfile").read_text()
    assert "USER 10001" in recipe and '"tuaton", "serve"' in recipe and "EXPOSE 8000" in recipe
