#!/usr/bin/env python3
"""Writes the JSON schemas that deploy/validate hands kubeconform, from their published sources (README.md here).

  python3 deploy/schemas/make_schemas.py --kubernetes-wheel kubernetes_validate-1.37.0-py3-none-any.whl \
      --kserve-crd serving.kserve.io_inferenceservices.yaml --kserve-crd serving.kserve.io_clusterservingruntimes.yaml ...

Kubernetes: the wheel of the PyPI package kubernetes-validate bundles each release's strict schemas with the shared
definitions in one file (``vX.Y.Z-local-strict``). Each kind used here is written standalone, as kubeconform reads
them and as yannh/kubernetes-json-schema publishes them (``vX.Y.Z-standalone-strict/<kind>-<group>-<version>.json``):
every ``$ref`` replaced by the definition it names.

KServe: each CRD version's ``openAPIV3Schema`` as kubeconform's own scripts/openapi2jsonschema.py converts it: every
object schema with ``properties`` except the root gets ``additionalProperties: false`` (kubectl's strictness), and
``format: int-or-string`` becomes a oneOf of string and integer. Written as ``<group>/<kind>_<version>.json``.

Both drop the ``description`` keyword, which validation never reads, to keep the vendored files small; nothing else
changes. Needs PyYAML.
"""

from __future__ import annotations

import argparse
import copy
import json
import zipfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
KUBERNETES_VERSION = "v1.32.0"
# The kinds deploy/kubernetes uses, as <kind>-<group>-<version> (core kinds have no group).
KUBERNETES_KINDS = ["deployment-apps-v1", "service-v1", "horizontalpodautoscaler-autoscaling-v2", "configmap-v1"]
# Maps whose values are schemas but whose keys are names (a field may be called "description").
SCHEMA_MAPS = {"properties", "patternProperties", "$defs", "definitions"}


def without_descriptions(schema):
    if isinstance(schema, list):
        return [without_descriptions(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "description" and isinstance(value, str):
            continue
        if key in SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: without_descriptions(sub) for name, sub in value.items()}
        else:
            out[key] = without_descriptions(value)
    return out


def inline(schema, definitions: dict, seen: tuple[str, ...] = ()):
    """The schema with each {"$ref": ".../_definitions.json#/$defs/X"} replaced by X, itself inlined."""
    if isinstance(schema, list):
        return [inline(s, definitions, seen) for s in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        name = schema["$ref"].split("#/$defs/", 1)[1]
        if name in seen:
            raise SystemExit(f"recursive definition {name} (via {' > '.join(seen)}): cannot be made standalone")
        resolved = inline(copy.deepcopy(definitions[name]), definitions, seen + (name,))
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        return {**resolved, **inline(siblings, definitions, seen)}
    return {k: inline(v, definitions, seen) for k, v in schema.items()}


def kubernetes(wheel: Path) -> None:
    prefix = f"kubernetes_validate/kubernetes-json-schema/{KUBERNETES_VERSION}-local-strict/"
    out = HERE / "kubernetes" / f"{KUBERNETES_VERSION}-standalone-strict"
    out.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as z:
        definitions = json.loads(z.read(prefix + "_definitions.json"))["$defs"]
        for kind in KUBERNETES_KINDS:
            schema = json.loads(z.read(prefix + kind + ".json"))
            schema.pop("$id", None)
            write(out / f"{kind}.json", without_descriptions(inline(schema, definitions)))


def additional_properties(schema, root: bool = True):
    """kubeconform's openapi2jsonschema.py: objects with properties admit no others, the root excepted."""
    if isinstance(schema, dict):
        if "properties" in schema and not root and "additionalProperties" not in schema:
            schema["additionalProperties"] = False
        for value in schema.values():
            additional_properties(value, root=False)
    elif isinstance(schema, list):
        for value in schema:
            additional_properties(value, root=False)
    return schema


def int_or_string(schema):
    if isinstance(schema, dict):
        return {k: ({"oneOf": [{"type": "string"}, {"type": "integer"}]}
                    if isinstance(v, dict) and v.get("format") == "int-or-string" else int_or_string(v))
                for k, v in schema.items()}
    if isinstance(schema, list):
        return [int_or_string(v) for v in schema]
    return schema


def kserve(crd_files: list[Path]) -> None:
    for crd_file in crd_files:
        for crd in yaml.safe_load_all(crd_file.read_text(encoding="utf-8")):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"].lower()
            for version in crd["spec"]["versions"]:
                schema = version["schema"]["openAPIV3Schema"]
                schema = int_or_string(additional_properties(copy.deepcopy(schema)))
                write(HERE / "kserve" / group / f"{kind}_{version['name']}.json", without_descriptions(schema))


def write(path: Path, schema) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(schema, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{path.relative_to(HERE)}: {path.stat().st_size} bytes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kubernetes-wheel", type=Path, required=True)
    parser.add_argument("--kserve-crd", type=Path, action="append", required=True)
    args = parser.parse_args()
    kubernetes(args.kubernetes_wheel)
    kserve(args.kserve_crd)


if __name__ == "__main__":
    main()
