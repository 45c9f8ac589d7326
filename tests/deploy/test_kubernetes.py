"""deploy/k8s renders, per overlay, resources that Kubernetes, KEDA and the Prometheus Operator accept
(kubeconform against the schemas of kubernetes-validate and the vendored CRDs) and that run
counterscan as it needs to run: every role in some workload, restricted pods, credentials from
Secrets, the bootstrap address written once, KEDA on the scan group's lag, alerts from alerts.yml."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from pipeline import __version__
from pipeline.settings import ENV_PREFIX, PROJECT_ROOT, ROLES
from pipeline.topics import LISTINGS_RAW
from tests.deploy.kubernetes import (
    K8S,
    OVERLAYS,
    kubeconform,
    named,
    of_kind,
    rendered,
    resources,
    roles_run,
    security_problems,
    selects,
    workloads,
)

# the newest release the pinned kubernetes-validate has schemas for, and an older one still run
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")
ALERTS = PROJECT_ROOT / "deploy" / "prometheus" / "alerts.yml"
KEDA_SASL = {"PLAIN": "plaintext", "SCRAM-SHA-256": "scram_sha256", "SCRAM-SHA-512": "scram_sha512"}
Docs = list[dict[str, Any]]


def test_there_is_a_local_and_a_production_overlay():
    assert {"local", "production"} <= set(OVERLAYS)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_resource_of_every_overlay_is_valid(overlay: str, version: str, tmp_path: Path):
    docs = resources(overlay)
    report = kubeconform(rendered(overlay), version, tmp_path)  # as kustomize wrote it: duplicate keys count
    invalid = [(r["kind"], r["name"], r["msg"], r.get("validationErrors")) for r in report["resources"]
               if r["status"] != "statusValid"]
    assert report["returncode"] == 0 and invalid == [], invalid
    assert report["summary"] == {"valid": len(docs), "invalid": 0, "errors": 0, "skipped": 0}
    assert {"ScaledObject", "ServiceMonitor", "PrometheusRule"} <= {d["kind"] for d in docs}  # CRDs were checked too


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        *parents, last = [int(k) if k.isdigit() else k for k in path.split(".")]
        node = doc
        for key in parents:
            node = node[key]
        if value is None:
            del node[last]
        else:
            node[last] = value
    return change


# kind, name, change, the path kubeconform names, what it says there
BROKEN = {
    "a misspelt container field": ("Deployment", "counterscan-scan",
                                   _set("spec.template.spec.containers.0.imagePullPolcy", "Always"),
                                   "/spec/template/spec/containers/0", "imagePullPolcy"),
    "a StatefulSet without its selector": ("StatefulSet", "counterscan-feedback", _set("spec.selector", None),
                                           "/spec", "selector"),
    "a Job container without a name": ("Job", "counterscan-topics", _set("spec.template.spec.containers.0.name", None),
                                       "/spec/template/spec/containers/0", "name"),
    "a disruption budget as a list": ("PodDisruptionBudget", "counterscan-scan", _set("spec.maxUnavailable", [1]),
                                      "/spec/maxUnavailable", ""),
    "a Service port by name": ("Service", "counterscan-metrics", _set("spec.ports.0.port", "metrics"),
                               "/spec/ports/0/port", ""),
    "a ScaledObject without its target": ("ScaledObject", "counterscan-scan", _set("spec.scaleTargetRef", None),
                                          "/spec", "scaleTargetRef"),
    "a fallback without replicas": ("ScaledObject", "counterscan-scan", _set("spec.fallback.replicas", None),
                                    "/spec/fallback", "replicas"),
    "a misspelt ScaledObject field": ("ScaledObject", "counterscan-scan", _set("spec.maxReplicas", 12), "/spec",
                                      "maxReplicas"),
    "a secret reference without its key": ("TriggerAuthentication", "counterscan-kafka",
                                           _set("spec.secretTargetRef.0.key", None), "/spec/secretTargetRef/0", "key"),
    "a misspelt endpoint field": ("ServiceMonitor", "counterscan", _set("spec.endpoints.0.intervall", "15s"),
                                  "/spec/endpoints/0", "intervall"),
    "a rule without its expression": ("PrometheusRule", "counterscan", _set("spec.groups.0.rules.0.expr", None),
                                      "/spec/groups/0/rules/0", "expr"),
}


@pytest.fixture(scope="module")
def broken_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One kubeconform run over a broken copy per case, each renamed after its case."""
    docs = []
    for i, (kind, name, change, _, _) in enumerate(BROKEN.values()):
        copy = named(resources("production"), kind, name)
        change(copy)
        copy["metadata"]["name"] = f"broken-{i}"
        docs.append(copy)
    return kubeconform(docs, KUBERNETES_VERSIONS[-1], tmp_path_factory.mktemp("broken"))


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_a_broken_copy_is_rejected(case: str, broken_report: dict[str, Any]):
    kind, _, _, path, word = BROKEN[case]
    (result,) = [r for r in broken_report["resources"] if r["name"] == f"broken-{list(BROKEN).index(case)}"]
    # a CRD schema's errors come one by one; a built-in kind's (behind a $ref) in the message
    said = [f"at '{e['path']}': {e['msg']}" for e in result.get("validationErrors") or []] + [result["msg"]]
    assert broken_report["returncode"] == 1 and result["kind"] == kind and result["status"] == "statusInvalid"
    assert any(f"at '{path}'" in line and word in line for line in said), said


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_role_of_the_worker_runs_in_some_workload(overlay: str):
    docs = resources(overlay)
    assert roles_run(docs) == set(ROLES)
    for var in named(docs, "StatefulSet", "counterscan-feedback")["spec"]["template"]["spec"]["containers"][0]["env"]:
        if var["name"] == "COUNTERSCAN_ROLES":
            var["value"] = "scan"
    assert roles_run(docs) == {"scan", "notices"}  # the check sees a role that runs nowhere


def test_each_role_has_its_own_kind_of_workload():
    docs = resources("production")
    by_role = {role: {w.resource["kind"] for w in workloads(docs) for c in w.containers()
                      if w.runs_worker(c) and role in w.settings(c).role_set} for role in ROLES}
    assert by_role == {"scan": {"Deployment"}, "feedback": {"StatefulSet"}, "notices": {"StatefulSet"}}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_workload_runs_as_root_or_without_the_restricted_security_context(overlay: str):
    assert security_problems(resources(overlay)) == []


def _container(kind: str, field: str, value: Any) -> Callable[[Docs], None]:
    def change(docs: Docs) -> None:
        _set(f"spec.template.spec.containers.0.securityContext.{field}", value)(of_kind(docs, kind)[0])
    return change


INSECURE = {
    "root in a container": (_container("Deployment", "runAsUser", 0), "runs as another user"),
    "a writable root filesystem": (_container("Job", "readOnlyRootFilesystem", False), "readOnlyRootFilesystem"),
    "privilege escalation": (_container("StatefulSet", "allowPrivilegeEscalation", True), "allowPrivilegeEscalation"),
    "a capability kept": (_container("Deployment", "capabilities", {"drop": ["ALL"], "add": ["NET_RAW"]}),
                          "capabilities"),
    "no pod security context": (lambda docs: _set("spec.template.spec.securityContext", None)(
        of_kind(docs, "StatefulSet")[0]), "pod runAsNonRoot"),
    "seccomp unconfined": (lambda docs: _set("spec.template.spec.securityContext.seccompProfile.type", "Unconfined")(
        of_kind(docs, "Job")[0]), "seccompProfile"),
    "the cache dir on the root filesystem": (lambda docs: _set("spec.template.spec.containers.0.volumeMounts", [
        m for m in of_kind(docs, "Deployment")[0]["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
        if m["name"] != "cache"])(of_kind(docs, "Deployment")[0]), "/var/lib/counterscan is not on a writable volume"),
    "a new workload without any": (lambda docs: docs.append({
        "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "extra"}, "spec": {"jobTemplate": {"spec": {
            "template": {"spec": {"containers": [{"name": "x", "image": "busybox"}]}}}}}}), "CronJob/extra"),
}


@pytest.mark.parametrize("case", INSECURE, ids=list(INSECURE))
def test_the_security_check_sees_a_pod_that_falls_short(case: str):
    change, said = INSECURE[case]
    docs = resources("production")
    change(docs)
    assert any(said in problem for problem in security_problems(docs)), security_problems(docs)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_service_puts_variables_into_the_settings_namespace(overlay: str):
    """Kubernetes gives a pod NAME_PORT=tcp://... and the like for every Service; for counterscan-metrics
    that is COUNTERSCAN_METRICS_PORT, which a worker would read as its metrics port."""
    docs = resources(overlay)
    assert [s for s in of_kind(docs, "Service") if s["metadata"]["name"].upper().replace("-", "_") + "_"
            == ENV_PREFIX + "METRICS_"]
    for w in workloads(docs):
        assert w.pod.get("enableServiceLinks") is False, w.where


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_bootstrap_address_is_written_once_and_read_by_every_pod_and_by_keda(overlay: str):
    docs = resources(overlay)
    (settings_map,) = of_kind(docs, "ConfigMap")
    bootstrap = settings_map["data"]["COUNTERSCAN_BOOTSTRAP_SERVERS"]
    assert rendered(overlay).count(bootstrap) == 1
    for w in workloads(docs):
        for c in w.containers():
            assert w.settings(c).bootstrap_servers == bootstrap, w.where  # never a local broker
    (scaled,) = of_kind(docs, "ScaledObject")
    (trigger,) = scaled["spec"]["triggers"]
    assert "bootstrapServers" not in trigger["metadata"]
    target = named(docs, "Deployment", scaled["spec"]["scaleTargetRef"]["name"])
    (w,) = [w for w in workloads(docs) if w.resource is target]
    assert w.env(w.pod["containers"][0])[trigger["metadata"]["bootstrapServersFromEnv"]] == bootstrap


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_keda_scales_the_scan_deployment_on_the_scan_groups_lag(overlay: str):
    docs = resources(overlay)
    (scaled,) = of_kind(docs, "ScaledObject")
    spec = scaled["spec"]
    target = named(docs, "Deployment", spec["scaleTargetRef"]["name"])
    assert "replicas" not in target["spec"]  # KEDA owns the count
    (w,) = [w for w in workloads(docs) if w.resource is target]
    settings = w.settings(w.pod["containers"][0])
    assert settings.role_set == {"scan"}
    (trigger,) = spec["triggers"]
    metadata = trigger["metadata"]
    assert trigger["type"] == "kafka" and metadata["topic"] == LISTINGS_RAW.name
    assert metadata["consumerGroup"] == settings.scan_group_id
    assert metadata["offsetResetPolicy"] == "earliest"  # as the scan consumer reads a partition never committed
    # ScaledObject's CEL rule (min <= max) is no JSON schema; nor is sense about the fallback
    assert 1 <= spec["minReplicaCount"] <= spec["fallback"]["replicas"] <= spec["maxReplicaCount"]
    assert spec["maxReplicaCount"] <= LISTINGS_RAW.partitions and spec["fallback"]["failureThreshold"] >= 1


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_keda_logs_in_as_the_workers_do_with_the_same_secrets(overlay: str):
    docs = resources(overlay)
    (scaled,) = of_kind(docs, "ScaledObject")
    (trigger,) = scaled["spec"]["triggers"]
    (w,) = [w for w in workloads(docs) if w.resource["metadata"]["name"] == scaled["spec"]["scaleTargetRef"]["name"]]
    container = w.pod["containers"][0]
    settings, env = w.settings(container), w.env(container)
    tls = "enable" if settings.security_protocol.endswith("SSL") else "disable"
    assert trigger["metadata"].get("tls", "disable") == tls
    if not settings.security_protocol.startswith("SASL"):
        assert trigger["metadata"].get("sasl", "none") == "none" and "authenticationRef" not in trigger
        return
    assert trigger["metadata"]["sasl"] == KEDA_SASL[settings.sasl_mechanism]
    auth = named(docs, "TriggerAuthentication", trigger["authenticationRef"]["name"])
    refs = {ref["parameter"]: f"<secret {ref['name']}/{ref['key']}>" for ref in auth["spec"]["secretTargetRef"]}
    assert refs["username"] == env["COUNTERSCAN_SASL_USERNAME"] and refs["password"] == env["COUNTERSCAN_SASL_PASSWORD"]
    if settings.ssl_cafile:
        mount, volume = w.volume_under(container, settings.ssl_cafile)
        key = str(Path(settings.ssl_cafile).relative_to(mount["mountPath"]))
        assert refs["ca"] == f"<secret {volume['secret']['secretName']}/{key}>"


def test_production_connects_over_sasl_ssl():
    docs = resources("production")
    for w in workloads(docs):
        for c in w.containers():
            assert w.settings(c).security_protocol == "SASL_SSL", w.where


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_credential_is_written_in_the_manifests(overlay: str):
    docs = resources(overlay)
    assert of_kind(docs, "Secret") == []  # made in the cluster, never kept here
    for doc in of_kind(docs, "ConfigMap"):
        assert not [key for key in doc["data"] if "PASSWORD" in key or "USERNAME" in key]
    for w in workloads(docs):
        for c in w.containers():
            inline = [v["name"] for v in c.get("env", []) if ("PASSWORD" in v["name"] or "USERNAME" in v["name"])
                      and "secretKeyRef" not in v.get("valueFrom", {})]
            assert inline == [], w.where


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_feedback_state_lives_on_a_volume_claim_per_pod(overlay: str):
    docs = resources(overlay)
    (w,) = [w for w in workloads(docs) if w.resource["metadata"]["name"] == "counterscan-feedback"]
    container = w.pod["containers"][0]
    settings = w.settings(container)
    assert settings.role_set == {"feedback"}
    _, volume = w.volume_under(container, settings.worker_state_dir)
    assert volume["volumeClaimTemplate"]["spec"]["accessModes"] == ["ReadWriteOnce"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_a_job_creates_the_topics(overlay: str):
    (job,) = [w for w in workloads(resources(overlay)) if w.resource["kind"] == "Job"]
    (container,) = job.pod["containers"]
    assert container["args"] == ["topics", "create"] and job.pod["restartPolicy"] in {"OnFailure", "Never"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_role_has_a_disruption_budget_that_lets_a_node_drain(overlay: str):
    docs = resources(overlay)
    for w in workloads(docs):
        if not any(w.runs_worker(c) for c in w.containers()):
            continue
        budgets = [b for b in of_kind(docs, "PodDisruptionBudget")
                   if selects(b["spec"]["selector"]["matchLabels"], w.labels)]
        assert len(budgets) == 1, w.where
        assert budgets[0]["spec"]["maxUnavailable"] >= 1


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_prometheus_scrapes_every_worker_as_the_job_the_alerts_query(overlay: str):
    docs = resources(overlay)
    monitor = named(docs, "ServiceMonitor", "counterscan")  # kafka-exporter has its own
    (service,) = [s for s in of_kind(docs, "Service") if selects(monitor["spec"]["selector"]["matchLabels"],
                                                                 s["metadata"]["labels"])]
    (endpoint,) = monitor["spec"]["endpoints"]
    (port,) = [p for p in service["spec"]["ports"] if p["name"] == endpoint["port"]]
    for w in workloads(docs):
        for c in w.containers():
            if not w.runs_worker(c):
                continue
            assert selects(service["spec"]["selector"], w.labels), w.where
            metrics_port = w.settings(c).metrics_port
            assert port["port"] == metrics_port
            assert {"name": port["targetPort"], "containerPort": metrics_port} in c["ports"]
            assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
            assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
    job = service["metadata"]["labels"][monitor["spec"]["jobLabel"]]
    queried = set(re.findall(r'\bjob="([^"]+)"', ALERTS.read_text()))
    assert queried <= {job}, f"alerts.yml queries job {queried}, the ServiceMonitor makes job={job!r}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_images_are_this_version_of_counterscan(overlay: str):
    images = {c["image"] for w in workloads(resources(overlay)) for c in w.containers()}
    ours = {image for image in images if image.startswith("counterscan:")}
    assert {image.rsplit(":", 1)[-1] for image in ours} == {__version__}
    assert images - ours == {"danielqsj/kafka-exporter:v1.9.0"}  # the one image not built here, pinned


def _script(path: Path) -> ModuleType:
    """A script of deploy/ as a module (a fresh one each time, so a test may patch it)."""
    spec = importlib.util.spec_from_file_location(f"deploy_{path.stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_committed_prometheus_rule_is_what_alerts_yml_gives():
    done = subprocess.run([sys.executable, str(K8S / "generate_rules.py"), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for overlay in OVERLAYS:
        (rule,) = of_kind(resources(overlay), "PrometheusRule")
        assert rule["spec"]["groups"] == yaml.safe_load(ALERTS.read_text())["groups"]


def test_the_rule_check_fails_when_alerts_yml_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    generator = _script(K8S / "generate_rules.py")
    alerts = tmp_path / "alerts.yml"
    changed = yaml.safe_load(ALERTS.read_text())
    changed["groups"][0]["rules"][0]["for"] = "1h"
    alerts.write_text(yaml.safe_dump(changed))
    monkeypatch.setattr(generator, "ALERTS", alerts)
    assert generator.main(["--check"]) == 1
    monkeypatch.setattr(generator, "RULE", tmp_path / "prometheusrule.yaml")
    assert generator.main([]) == 0 and generator.main(["--check"]) == 0


def test_promtool_accepts_the_rules_the_cluster_gets(tmp_path: Path):
    promtool = shutil.which("promtool")
    assert promtool, "promtool comes from Debian's prometheus package: `make tools`"
    (rule,) = of_kind(resources("production"), "PrometheusRule")
    rules = tmp_path / "rules.yml"
    rules.write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}))
    done = subprocess.run([promtool, "check", "rules", str(rules)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


SCHEMAS = PROJECT_ROOT / "deploy" / "schemas"


def test_the_crd_schemas_are_what_the_recorded_crds_give():
    done = subprocess.run([sys.executable, str(SCHEMAS / "crd_to_jsonschema.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    converter = _script(SCHEMAS / "crd_to_jsonschema.py")
    recorded = (SCHEMAS / "crds.md").read_text()
    for source in converter.SOURCES.values():
        assert source.tag in recorded and source.commit in recorded


def test_the_crd_schema_check_fails_on_an_edited_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    converter = _script(SCHEMAS / "crd_to_jsonschema.py")
    copy = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, copy)
    monkeypatch.setattr(converter, "HERE", copy)
    monkeypatch.setattr(converter, "CRDS", copy / "crds")
    schema = copy / "keda.sh" / "scaledobject_v1alpha1.json"
    schema.write_text(schema.read_text().replace('"additionalProperties": false', '"additionalProperties": true', 1))
    assert converter.main(["--check"]) == 1
    crd = copy / "crds" / "keda.sh_scaledobjects.yaml"
    crd.write_text(crd.read_text().replace("maxReplicaCount", "maxReplicas", 1))
    with pytest.raises(ValueError, match="not the file kedacore/keda v2.20.2 published"):
        converter.main(["--check"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kafka_exporter_runs_beside_the_workers_and_is_scraped(overlay: str):
    docs = resources(overlay)
    exporter = named(docs, "Deployment", "kafka-exporter")
    (container,) = exporter["spec"]["template"]["spec"]["containers"]
    assert "--kafka.server=$(COUNTERSCAN_BOOTSTRAP_SERVERS)" in container["args"]
    assert named(docs, "ServiceMonitor", "kafka-exporter")["spec"]["endpoints"][0]["port"] == "metrics"
    if overlay == "production":
        assert "--sasl.enabled" in container["args"] and "--tls.enabled" in container["args"]
