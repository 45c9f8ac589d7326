"""deploy/k8s's overlays rendered by kustomize and read as workloads: their pods, the settings each
container would load, the volumes its writable directories live on; and kubeconform run on them
against schemas that are all on this machine. Tests then ask what a deployment does, not what
its text says."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from pipeline.settings import PROJECT_ROOT, Settings

K8S = PROJECT_ROOT / "deploy" / "k8s"
OVERLAYS = sorted(path.parent.name for path in (K8S / "overlays").glob("*/kustomization.yaml"))
KUSTOMIZE = PROJECT_ROOT / ".cache" / "bin" / "kustomize"
KUBECONFORM = PROJECT_ROOT / ".cache" / "bin" / "kubeconform"
KUBERNETES_SCHEMAS = Path(str(files("kubernetes_validate") / "kubernetes-json-schema"))
CRD_SCHEMAS = PROJECT_ROOT / "deploy" / "schemas"
SCHEMA_LOCATIONS = (
    # kubernetes-validate's layout: v1.37.0-local-strict/deployment-apps-v1.json
    f"{KUBERNETES_SCHEMAS}/{{{{ .NormalizedKubernetesVersion }}}}-local{{{{ .StrictSuffix }}}}"
    "/{{ .ResourceKind }}{{ .KindSuffix }}.json",
    # the CRDs-catalog layout: keda.sh/scaledobject_v1alpha1.json
    f"{CRD_SCHEMAS}/{{{{ .Group }}}}/{{{{ .ResourceKind }}}}_{{{{ .ResourceAPIVersion }}}}.json",
)
# kubernetes-validate's schemas name their shared definitions by this URL, so kubeconform would
# fetch them; it looks in its cache first, under the URL's sha256, where the shipped file is put.
DEFINITIONS_URL = "https://kubernetes.io/api/_definitions.json"
NO_NETWORK = {name: "http://127.0.0.1:9" for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")}
UID = 10001  # the user and group every counterscan pod runs as
POD_TEMPLATE = {"Deployment": ("spec", "template"), "StatefulSet": ("spec", "template"), "Job": ("spec", "template"),
                "DaemonSet": ("spec", "template"), "ReplicaSet": ("spec", "template"),
                "CronJob": ("spec", "jobTemplate", "spec", "template"), "Pod": ()}


def tool(path: Path) -> Path:
    assert path.exists(), f"{path.relative_to(PROJECT_ROOT)} is missing: `make k8s-tools` builds it"
    return path


@cache
def rendered(overlay: str) -> str:
    done = subprocess.run([str(tool(KUSTOMIZE)), "build", str(K8S / "overlays" / overlay)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def resources(overlay: str) -> list[dict[str, Any]]:
    """A fresh copy of what the overlay renders, for a test to read or break."""
    return copy.deepcopy([doc for doc in yaml.safe_load_all(rendered(overlay)) if doc])


def kubeconform(manifests: str | list[dict[str, Any]], kubernetes_version: str, workdir: Path) -> dict[str, Any]:
    """``kubeconform -strict -summary`` on the manifests (YAML text, or resources): its JSON report,
    every resource in it, and its exit code. Offline: a schema it would fetch goes to a closed port
    on 127.0.0.1 and fails."""
    cache_dir = workdir / f"schema-cache-{kubernetes_version}"
    cache_dir.mkdir(parents=True, exist_ok=True)
    cached = cache_dir / hashlib.sha256(DEFINITIONS_URL.encode()).hexdigest()
    if not cached.exists():
        cached.symlink_to(KUBERNETES_SCHEMAS / f"v{kubernetes_version}-local-strict" / "_definitions.json")
    path = workdir / f"manifests-{kubernetes_version}.yaml"
    path.write_text(manifests if isinstance(manifests, str) else yaml.safe_dump_all(manifests, sort_keys=False))
    command = [str(tool(KUBECONFORM)), "-strict", "-summary", "-output", "json", "-verbose",
               "-kubernetes-version", kubernetes_version, "-cache", str(cache_dir)]
    for location in SCHEMA_LOCATIONS:
        command += ["-schema-location", location]
    env = {key: value for key, value in os.environ.items() if key.lower() != "no_proxy"} | NO_NETWORK
    done = subprocess.run(command + [str(path)], capture_output=True, text=True, timeout=60, env=env)
    assert done.stdout, done.stderr
    return json.loads(done.stdout) | {"returncode": done.returncode}


def of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [doc for doc in docs if doc["kind"] == kind]


def named(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    (found,) = [doc for doc in of_kind(docs, kind) if doc["metadata"]["name"] == name]
    return found


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


@dataclass
class Workload:
    """A resource that runs pods, with the documents it was rendered among."""

    resource: dict[str, Any]
    docs: list[dict[str, Any]]

    @property
    def where(self) -> str:
        return f"{self.resource['kind']}/{self.resource['metadata']['name']}"

    @property
    def template(self) -> dict[str, Any]:
        node = self.resource
        for key in POD_TEMPLATE[self.resource["kind"]]:
            node = node[key]
        return node

    @property
    def pod(self) -> dict[str, Any]:
        return self.template["spec"]

    @property
    def labels(self) -> dict[str, str]:
        return self.template.get("metadata", {}).get("labels", {})

    def containers(self) -> Iterator[dict[str, Any]]:
        for key in ("initContainers", "containers", "ephemeralContainers"):
            yield from self.pod.get(key, [])

    def env(self, container: dict[str, Any]) -> dict[str, str]:
        """The container's environment; a value from a Secret stands as ``<secret NAME/KEY>``."""
        maps = {doc["metadata"]["name"]: doc.get("data", {}) for doc in of_kind(self.docs, "ConfigMap")}
        env: dict[str, str] = {}
        for source in container.get("envFrom", []):
            assert "configMapRef" in source, f"{self.where}: only ConfigMaps are read whole, got {source}"
            env.update(maps[source["configMapRef"]["name"]])
        for var in container.get("env", []):
            if "value" in var:
                env[var["name"]] = var["value"]
            elif "secretKeyRef" in var.get("valueFrom", {}):
                ref = var["valueFrom"]["secretKeyRef"]
                env[var["name"]] = f"<secret {ref['name']}/{ref['key']}>"
            else:
                ref = var["valueFrom"]["configMapKeyRef"]
                env[var["name"]] = maps[ref["name"]][ref["key"]]
        return env

    def settings(self, container: dict[str, Any]) -> Settings:
        return Settings.load(env=self.env(container))

    def runs_worker(self, container: dict[str, Any]) -> bool:
        return "command" not in container and container.get("args", [])[:1] == ["worker"]

    def volume_under(self, container: dict[str, Any], path: Path | str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """(mount, volume) of the deepest mount holding ``path``; a volumeClaimTemplate counts as a volume."""
        holding = [m for m in container.get("volumeMounts", [])
                   if PurePosixPath(m["mountPath"]) in (PurePosixPath(path), *PurePosixPath(path).parents)]
        if not holding:
            return None
        mount = max(holding, key=lambda m: len(PurePosixPath(m["mountPath"]).parts))
        volumes = {v["name"]: v for v in self.pod.get("volumes", [])}
        for claim in self.resource.get("spec", {}).get("volumeClaimTemplates", []):
            volumes[claim["metadata"]["name"]] = {"name": claim["metadata"]["name"], "volumeClaimTemplate": claim}
        return mount, volumes[mount["name"]]


def workloads(docs: list[dict[str, Any]]) -> list[Workload]:
    return [Workload(doc, docs) for doc in docs if doc["kind"] in POD_TEMPLATE]


def roles_run(docs: list[dict[str, Any]]) -> set[str]:
    """Every worker role some container of some workload runs."""
    return {role for w in workloads(docs) for c in w.containers() if w.runs_worker(c)
            for role in w.settings(c).role_set}


WRITABLE = ("emptyDir", "volumeClaimTemplate", "persistentVolumeClaim")


def security_problems(docs: list[dict[str, Any]]) -> list[str]:
    """What in the workloads falls short of the restricted pod security this deployment promises:
    non-root as user and group 10001, RuntimeDefault seccomp, no privilege escalation, no
    capabilities, a read-only root filesystem with every directory counterscan writes on a volume."""
    problems: list[str] = []
    for w in workloads(docs):
        pod, context = w.pod, w.pod.get("securityContext") or {}
        if context.get("runAsNonRoot") is not True:
            problems.append(f"{w.where}: pod runAsNonRoot is not true")
        for key in ("runAsUser", "runAsGroup"):
            if context.get(key) != UID:
                problems.append(f"{w.where}: pod {key} is {context.get(key)}, not {UID}")
        if (context.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
            problems.append(f"{w.where}: pod seccompProfile is not RuntimeDefault")
        problems += [f"{w.where}: {key}" for key in ("hostNetwork", "hostPID", "hostIPC") if pod.get(key)]
        for c in w.containers():
            where, sc = f"{w.where} container {c['name']}", c.get("securityContext") or {}
            if sc.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: allowPrivilegeEscalation is not false")
            if sc.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: readOnlyRootFilesystem is not true")
            if sc.get("privileged"):
                problems.append(f"{where}: privileged")
            capabilities = sc.get("capabilities") or {}
            if "ALL" not in capabilities.get("drop", []) or capabilities.get("add"):
                problems.append(f"{where}: capabilities are not drop ALL, add none")
            if sc.get("runAsNonRoot") is False or sc.get("runAsUser", UID) != UID or sc.get("runAsGroup", UID) != UID:
                problems.append(f"{where}: runs as another user: {sc}")
            if sc.get("seccompProfile", {"type": "RuntimeDefault"}).get("type") != "RuntimeDefault":
                problems.append(f"{where}: seccompProfile is not RuntimeDefault")
            writes = [PurePosixPath("/tmp")]
            if c.get("image", "").split("/")[-1].startswith("counterscan:"):
                settings = w.settings(c)
                writes.append(PurePosixPath(settings.cache_dir))
                if w.runs_worker(c):
                    writes.append(PurePosixPath(settings.worker_state_dir))
            for path in writes:
                held = w.volume_under(c, path)
                if held is None or held[0].get("readOnly") or not any(kind in held[1] for kind in WRITABLE):
                    problems.append(f"{where}: {path} is not on a writable volume")
    return problems
