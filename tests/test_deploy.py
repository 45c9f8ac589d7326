"""What can be validated of the deployment here: manifests parse and agree with the code."""

from pathlib import Path

import pytest
import yaml

from pipeline.settings import PROJECT_ROOT, Settings, setting_help
from pipeline.topics import LISTINGS_RAW

DEPLOY = PROJECT_ROOT / "deploy"
KNOWN_ENV = {env for _, env, *_ in setting_help()}


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def test_compose_has_kafka_topics_workers_prometheus_and_grafana():
    compose = load(DEPLOY / "docker-compose.yml")
    services = compose["services"]
    assert {"kafka", "topics", "worker", "prometheus", "grafana"} <= services.keys()
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert services["topics"]["command"] == ["topics", "create"]
    worker_env = services["worker"]["environment"]
    assert worker_env["COUNTERSCAN_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert set(worker_env) <= KNOWN_ENV
    provisioned = [v.split(":")[0] for v in services["grafana"]["volumes"]]
    for source in provisioned:
        assert (DEPLOY / source).exists(), source


K8S = DEPLOY / "k8s"
K8S_MANIFESTS = sorted(path for path in K8S.rglob("*.yaml") if path.name != "kustomization.yaml")


def k8s_documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def k8s_base(kind: str, name: str) -> dict:
    (found,) = [doc for path in sorted((K8S / "base").glob("*.yaml")) for doc in k8s_documents(path)
                if doc["kind"] == kind and doc["metadata"]["name"] == name]
    return found


def k8s_settings() -> list[dict[str, str]]:
    """Every set of COUNTERSCAN_* values the kustomizations give the settings ConfigMap."""
    found = []
    for kustomization in sorted(K8S.rglob("kustomization.yaml")):
        for generator in load(kustomization).get("configMapGenerator", []):
            pairs = list(generator.get("literals", []))
            for env_file in generator.get("envs", []):
                pairs += [line for line in (kustomization.parent / env_file).read_text().splitlines() if line.strip()]
            found.append(dict(pair.split("=", 1) for pair in pairs))
    return found


@pytest.mark.parametrize("path", K8S_MANIFESTS, ids=lambda p: str(p.relative_to(K8S)))
def test_k8s_manifests_parse_with_kind_and_name(path: Path):
    for manifest in k8s_documents(path):
        assert manifest["apiVersion"] and manifest["kind"] and manifest["metadata"]["name"]


@pytest.mark.parametrize("kind, name", [("Deployment", "counterscan-scan"), ("StatefulSet", "counterscan-feedback")])
def test_worker_probes_resources_and_settings(kind: str, name: str):
    workload = k8s_base(kind, name)
    (container,) = workload["spec"]["template"]["spec"]["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["resources"]["requests"]["cpu"] and container["resources"]["requests"]["memory"]
    assert container["ports"][0]["containerPort"] == Settings().metrics_port
    own = {var["name"]: var["value"] for var in container["env"]}
    assert set(own) <= KNOWN_ENV
    Settings.load(env=own)


def test_k8s_settings_are_known_and_read_as_their_types():
    every = k8s_settings()
    assert every
    for settings in every:
        assert set(settings) <= KNOWN_ENV
    merged = {key: value for settings in every for key, value in settings.items()}
    Settings.load(env=merged | {"COUNTERSCAN_SASL_USERNAME": "u", "COUNTERSCAN_SASL_PASSWORD": "p"})


def test_keda_scales_on_the_scan_groups_lag_up_to_the_partition_count():
    scaled = k8s_base("ScaledObject", "counterscan-scan")
    trigger = scaled["spec"]["triggers"][0]
    assert trigger["type"] == "kafka"
    assert trigger["metadata"]["topic"] == LISTINGS_RAW.name
    assert trigger["metadata"]["consumerGroup"] == Settings().scan_group_id
    assert scaled["spec"]["maxReplicaCount"] == LISTINGS_RAW.partitions
    assert k8s_base("Deployment", scaled["spec"]["scaleTargetRef"]["name"])


def test_service_exposes_the_metrics_port():
    service = k8s_base("Service", "counterscan-metrics")
    assert service["spec"]["ports"][0]["port"] == Settings().metrics_port


def test_dockerfile_exposes_the_metrics_port_and_runs_the_worker():
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert f"EXPOSE {Settings().metrics_port}" in dockerfile
    assert 'ENTRYPOINT ["counterscan"]' in dockerfile
