"""Turns the CustomResourceDefinitions in crds/ into the JSON schemas kubeconform reads.

kubeconform finds a custom resource's schema by a path template; the layout here,
``{group}/{kind}_{version}.json`` with the kind in lower case, is the one of the datreeio
CRDs-catalog. A CRD's ``openAPIV3Schema`` is nearly a JSON schema already. What differs is
that the API server prunes unknown fields, where a plain JSON schema lets them pass: so every
object schema that lists its properties gets ``additionalProperties: false`` unless it keeps
unknown fields (``x-kubernetes-preserve-unknown-fields``), which is what makes a misspelt field
an error under ``kubeconform -strict``. ``nullable`` becomes a ``null`` type and
``x-kubernetes-int-or-string`` an ``anyOf`` where the CRD does not spell one out.
CEL rules (``x-kubernetes-validations``) have no JSON-schema form and are left as they are.

:data:`SOURCES` records where each CRD file was taken from and its hash; crds.md says how to
take a newer release. A test runs ``--check``: the JSON schemas are what the CRDs give.

Usage: python deploy/schemas/crd_to_jsonschema.py [--check]
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
CRDS = HERE / "crds"


@dataclass(frozen=True)
class Source:
    repository: str
    tag: str
    commit: str
    path: str
    sha256: str


SOURCES = {
    "keda.sh_scaledobjects.yaml": Source(
        "kedacore/keda", "v2.20.2", "68a5b5028f35b22d50597c69819ab32c4e92f21a",
        "config/crd/bases/keda.sh_scaledobjects.yaml",
        "af35555862a83933b074af14ad439c4b4ceabaf4daa3e9338e9b23e36d308d80"),
    "keda.sh_triggerauthentications.yaml": Source(
        "kedacore/keda", "v2.20.2", "68a5b5028f35b22d50597c69819ab32c4e92f21a",
        "config/crd/bases/keda.sh_triggerauthentications.yaml",
        "275307b4cb19ca8f0f506a879282aa4c67587ac16ec757f494d6585c5c185d65"),
    "monitoring.coreos.com_prometheusrules.yaml": Source(
        "prometheus-operator/prometheus-operator", "v0.93.0", "f8fafd475f3d132e239432ae6172de60a6cb6516",
        "example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml",
        "78be98554b9c8506ab2b4f4feb91c5f3a56e536a0a510f3a8e876a459970d56d"),
    "monitoring.coreos.com_servicemonitors.yaml": Source(
        "prometheus-operator/prometheus-operator", "v0.93.0", "f8fafd475f3d132e239432ae6172de60a6cb6516",
        "example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml",
        "a99047972c9dd7679ce2050b9968e8a08773492e671b3e17abd476d42aa78a32"),
}


def strict(node: Any) -> Any:
    """A copy of an OpenAPI v3 schema node with unknown fields refused, as the API server prunes them."""
    if isinstance(node, list):
        return [strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: strict(value) for key, value in node.items()}
    keeps_unknown = out.get("x-kubernetes-preserve-unknown-fields") is True
    if "properties" in out and "additionalProperties" not in out and not keeps_unknown:
        out["additionalProperties"] = False
    if out.get("x-kubernetes-int-or-string") is True and "anyOf" not in out and "oneOf" not in out:
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if out.get("nullable") is True and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    return out


def schemas(crd: dict[str, Any], source: Source) -> dict[str, str]:
    """``{group}/{kind}_{version}.json`` -> the JSON schema's text, for every served version of the CRD."""
    group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
    out = {}
    for version in crd["spec"]["versions"]:
        if not version.get("served", True):
            continue
        comment = (f"{kind} {group}/{version['name']} from {source.repository} {source.tag} "
                   f"({source.commit}) {source.path}")
        schema = {"$comment": comment, **strict(version["schema"]["openAPIV3Schema"])}
        out[f"{group}/{kind.lower()}_{version['name']}.json"] = json.dumps(schema, indent=2) + "\n"
    return out


def wanted() -> dict[str, str]:
    """Every JSON schema the recorded CRDs give; a CRD file whose hash is not the recorded one is an error."""
    out: dict[str, str] = {}
    for name, source in SOURCES.items():
        data = (CRDS / name).read_bytes()
        if hashlib.sha256(data).hexdigest() != source.sha256:
            raise ValueError(f"crds/{name} is not the file {source.repository} {source.tag} published: "
                             "take it again, or record the new one in SOURCES")
        for document in yaml.safe_load_all(data):
            if document and document.get("kind") == "CustomResourceDefinition":
                out.update(schemas(document, source))
    return out


def main(argv: list[str]) -> int:
    expected = wanted()
    groups = {name.split("/")[0] for name in expected}
    present = {str(p.relative_to(HERE)) for group in groups for p in (HERE / group).glob("*.json")}
    if argv == ["--check"]:
        stale = sorted(name for name, text in expected.items()
                       if not (HERE / name).is_file() or (HERE / name).read_text() != text)
        stale += sorted(present - set(expected))
        if stale:
            print(f"not what crds/ gives: {', '.join(stale)}; run python deploy/schemas/crd_to_jsonschema.py",
                  file=sys.stderr)
            return 1
        return 0
    if argv:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    for name in present - set(expected):
        (HERE / name).unlink()
    for name, text in expected.items():
        (HERE / name).parent.mkdir(parents=True, exist_ok=True)
        (HERE / name).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
