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


@pytest.mark.parametrize("name", ["configmap.yaml", "deployment.yaml", "service.yaml", "scaledobject.yaml"])
def test_k8s_manifests_parse_with_kind_and_name(name):
    manifest = load(DEPLOY / "k8s" / name)
    assert manifest["apiVersion"] and manifest["kind"] and manifest["metadata"]["name"]


def test_deployment_probes_resources_and_settings():
    deployment = load(DEPLOY / "k8s" / "deployment.yaml")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["resources"]["requests"]["cpu"] and container["resources"]["requests"]["memory"]
    assert container["ports"][0]["containerPort"] == Settings().metrics_port
    settings = load(DEPLOY / "k8s" / "configmap.yaml")["data"]
    assert set(settings) <= KNOWN_ENV
    Settings.load(env=settings)  # every value reads as its setting's type


def test_keda_scales_on_the_scan_groups_lag_up_to_the_partition_count():
    scaled = load(DEPLOY / "k8s" / "scaledobject.yaml")
    trigger = scaled["spec"]["triggers"][0]
    assert trigger["type"] == "kafka"
    assert trigger["metadata"]["topic"] == LISTINGS_RAW.name
    assert trigger["metadata"]["consumerGroup"] == Settings().scan_group_id
    assert scaled["spec"]["maxReplicaCount"] == LISTINGS_RAW.partitions
    assert scaled["spec"]["scaleTargetRef"]["name"] == load(DEPLOY / "k8s" / "deployment.yaml")["metadata"]["name"]


def test_service_exposes_the_metrics_port():
    service = load(DEPLOY / "k8s" / "service.yaml")
    assert service["spec"]["ports"][0]["port"] == Settings().metrics_port


def test_dockerfile_exposes_the_metrics_port_and_runs_the_worker():
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert f"EXPOSE {Settings().metrics_port}" in dockerfile
    assert 'ENTRYPOINT ["counterscan"]' in dockerfile
