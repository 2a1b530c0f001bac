"""The Kubernetes manifests of chapter 11 ("Container orchestration basics") are valid for the fields they use.

A JSON Schema written for those fields (not the full Kubernetes OpenAPI schema, which is not shipped offline) checks
types, required fields, name and label syntax, port ranges, resource-quantity syntax and probe settings. The checks a
schema cannot express are done in Python: selectors match the pod labels, probes and the Service target a declared
container port, requests do not exceed limits, and the numbers quoted in the chapter's text agree with the manifest.
"""

from __future__ import annotations

import copy
import re

import pytest

from mlnotes.kb.check import DEFAULT_CORPUS, get_doc

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is needed for the manifest schema check")
yaml = pytest.importorskip("yaml")

CHAPTER = DEFAULT_CORPUS / "chapters" / "11-mlops-production.md"
SECTION = "container-orchestration-basics"

DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
LABEL_VALUE = r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"
CPU = r"^([0-9]+m|[0-9]+(\.[0-9]+)?)$"
MEMORY = r"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$"

NAME = {"type": "string", "pattern": DNS_LABEL, "maxLength": 63}
LABELS = {"type": "object", "minProperties": 1, "additionalProperties": {"type": "string", "pattern": LABEL_VALUE}}
METADATA = {"type": "object", "required": ["name"], "properties": {"name": NAME, "labels": LABELS}}
PORT_REF = {"oneOf": [{"type": "integer", "minimum": 1, "maximum": 65535}, NAME]}
PROBE = {
    "type": "object",
    "required": ["httpGet"],
    "additionalProperties": False,
    "properties": {
        "httpGet": {"type": "object", "required": ["path", "port"], "additionalProperties": False,
                    "properties": {"path": {"type": "string", "pattern": "^/"}, "port": PORT_REF}},
        "initialDelaySeconds": {"type": "integer", "minimum": 0},
        "periodSeconds": {"type": "integer", "minimum": 1},
        "timeoutSeconds": {"type": "integer", "minimum": 1},
        "failureThreshold": {"type": "integer", "minimum": 1},
        "successThreshold": {"type": "integer", "minimum": 1},
    },
}
RESOURCES = {"type": "object", "required": ["cpu", "memory"], "additionalProperties": False,
             "properties": {"cpu": {"type": "string", "pattern": CPU}, "memory": {"type": "string", "pattern": MEMORY}}}
CONTAINER = {
    "type": "object",
    "required": ["name", "image", "ports", "resources", "readinessProbe", "livenessProbe"],
    "additionalProperties": False,
    "properties": {
        "name": NAME,
        # a pinned tag or digest: no implicit or explicit ':latest'
        "image": {"type": "string", "pattern": r"^[a-z0-9./-]+(:(?!latest$)[A-Za-z0-9_.-]+|@sha256:[a-f0-9]{64})$"},
        "ports": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["containerPort"], "additionalProperties": False,
            "properties": {"name": NAME, "containerPort": {"type": "integer", "minimum": 1, "maximum": 65535}}}},
        "resources": {"type": "object", "required": ["requests", "limits"], "additionalProperties": False,
                      "properties": {"requests": RESOURCES, "limits": RESOURCES}},
        "startupProbe": PROBE,
        "readinessProbe": PROBE,
        "livenessProbe": PROBE,
    },
}
DEPLOYMENT = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "apps/v1"},
        "kind": {"const": "Deployment"},
        "metadata": METADATA,
        "spec": {
            "type": "object",
            "required": ["replicas", "selector", "template"],
            "properties": {
                "replicas": {"type": "integer", "minimum": 1},
                "selector": {"type": "object", "required": ["matchLabels"], "properties": {"matchLabels": LABELS}},
                "strategy": {"type": "object", "properties": {
                    "type": {"enum": ["RollingUpdate", "Recreate"]},
                    "rollingUpdate": {"type": "object", "additionalProperties": False, "properties": {
                        "maxUnavailable": {"oneOf": [{"type": "integer", "minimum": 0},
                                                     {"type": "string", "pattern": r"^[0-9]+%$"}]},
                        "maxSurge": {"oneOf": [{"type": "integer", "minimum": 0},
                                               {"type": "string", "pattern": r"^[0-9]+%$"}]}}}}},
                "template": {
                    "type": "object", "required": ["metadata", "spec"],
                    "properties": {
                        "metadata": {"type": "object", "required": ["labels"], "properties": {"labels": LABELS}},
                        "spec": {"type": "object", "required": ["containers"], "properties": {
                            "containers": {"type": "array", "minItems": 1, "items": CONTAINER}}},
                    },
                },
            },
        },
    },
}
SERVICE = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "v1"},
        "kind": {"const": "Service"},
        "metadata": METADATA,
        "spec": {"type": "object", "required": ["selector", "ports"], "properties": {
            "type": {"enum": ["ClusterIP", "NodePort", "LoadBalancer"]},
            "selector": LABELS,
            "ports": {"type": "array", "minItems": 1, "items": {
                "type": "object", "required": ["port", "targetPort"], "additionalProperties": False,
                "properties": {"name": NAME, "port": {"type": "integer", "minimum": 1, "maximum": 65535},
                               "targetPort": PORT_REF, "protocol": {"enum": ["TCP", "UDP"]}}}}}},
    },
}
HPA_TARGET = {"type": "object", "required": ["type", "averageUtilization"], "properties": {
    "type": {"const": "Utilization"}, "averageUtilization": {"type": "integer", "minimum": 1, "maximum": 100}}}
HPA_METRIC = {"type": "object", "required": ["type", "resource"], "properties": {
    "type": {"const": "Resource"},
    "resource": {"type": "object", "required": ["name", "target"],
                 "properties": {"name": {"enum": ["cpu", "memory"]}, "target": HPA_TARGET}}}}
HPA = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "autoscaling/v2"},
        "kind": {"const": "HorizontalPodAutoscaler"},
        "metadata": METADATA,
        "spec": {"type": "object", "required": ["scaleTargetRef", "minReplicas", "maxReplicas", "metrics"],
                 "properties": {
                     "scaleTargetRef": {"type": "object", "required": ["apiVersion", "kind", "name"]},
                     "minReplicas": {"type": "integer", "minimum": 1},
                     "maxReplicas": {"type": "integer", "minimum": 1},
                     "metrics": {"type": "array", "minItems": 1, "items": HPA_METRIC}}},
    },
}
SCHEMAS = {"Deployment": DEPLOYMENT, "Service": SERVICE, "HorizontalPodAutoscaler": HPA}


def _section_text() -> str:
    doc = get_doc(CHAPTER, DEFAULT_CORPUS)
    assert SECTION in doc.section_ids, f"chapter 11 has no section #{SECTION}"
    text = CHAPTER.read_text(encoding="utf-8")
    start = text.index("### Container orchestration basics")
    return text[start:text.index("\n### ", start + 10)]


def manifests() -> dict[str, dict]:
    blocks = re.findall(r"```yaml\n(.*?)```", _section_text(), flags=re.S)
    assert len(blocks) == 1, f"expected one yaml block in #{SECTION}, found {len(blocks)}"
    docs = [d for d in yaml.safe_load_all(blocks[0]) if d is not None]
    kinds = [d.get("kind") for d in docs]
    assert sorted(kinds) == sorted(SCHEMAS), f"expected one each of {sorted(SCHEMAS)}, found {kinds}"
    return {d["kind"]: d for d in docs}


def schema_errors(doc: dict) -> list[str]:
    validator = jsonschema.Draft202012Validator(SCHEMAS[doc["kind"]])
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


def to_cores(q: str) -> float:
    return int(q[:-1]) / 1000 if q.endswith("m") else float(q)


def to_bytes(q: str) -> float:
    m = re.fullmatch(r"([0-9.]+)(Ki|Mi|Gi|Ti|k|M|G|T)?", q)
    unit = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, None: 1}
    return float(m.group(1)) * unit[m.group(2)]


def semantic_problems(ms: dict[str, dict]) -> list[str]:
    problems = []
    dep, svc, hpa = ms["Deployment"], ms["Service"], ms["HorizontalPodAutoscaler"]
    pod_labels = dep["spec"]["template"]["metadata"]["labels"]
    for name, selector in [("Deployment selector", dep["spec"]["selector"]["matchLabels"]),
                           ("Service selector", svc["spec"]["selector"])]:
        if any(pod_labels.get(k) != v for k, v in selector.items()):
            problems.append(f"{name} {selector} does not match the pod labels {pod_labels}")
    for c in dep["spec"]["template"]["spec"]["containers"]:
        names = {p.get("name") for p in c["ports"]} - {None}
        numbers = {p["containerPort"] for p in c["ports"]}

        def declared(ref, names=names, numbers=numbers):
            return ref in names if isinstance(ref, str) else ref in numbers

        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            if probe in c and not declared(c[probe]["httpGet"]["port"]):
                problems.append(f"{c['name']}.{probe} targets an undeclared port {c[probe]['httpGet']['port']!r}")
        for p in svc["spec"]["ports"]:
            if not declared(p["targetPort"]):
                problems.append(f"Service targetPort {p['targetPort']!r} is not a port of container {c['name']}")
        req, lim = c["resources"]["requests"], c["resources"]["limits"]
        if to_cores(req["cpu"]) > to_cores(lim["cpu"]) or to_bytes(req["memory"]) > to_bytes(lim["memory"]):
            problems.append(f"{c['name']}: requests {req} exceed limits {lim}")
    ref = hpa["spec"]["scaleTargetRef"]
    if (ref["kind"], ref["name"]) != ("Deployment", dep["metadata"]["name"]):
        problems.append(f"HPA targets {ref}, not the Deployment {dep['metadata']['name']}")
    if not hpa["spec"]["minReplicas"] <= dep["spec"]["replicas"] <= hpa["spec"]["maxReplicas"]:
        problems.append("Deployment replicas outside the HPA's [minReplicas, maxReplicas]")
    return problems


# ----------------------------------------------------------------------------- the chapter's manifests


def test_manifests_match_the_schema():
    errors = [f"{kind}: {e}" for kind, d in manifests().items() for e in schema_errors(d)]
    assert not errors, "\n".join(errors)


def test_manifests_are_consistent():
    problems = semantic_problems(manifests())
    assert not problems, "\n".join(problems)


def test_text_agrees_with_the_manifest():
    ms = manifests()
    c = ms["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    text = " ".join(_section_text().split())
    startup = c["startupProbe"]["periodSeconds"] * c["startupProbe"]["failureThreshold"]
    assert f"${c['startupProbe']['failureThreshold']} \\times {c['startupProbe']['periodSeconds']} = {startup}$ s" in text
    ready = c["readinessProbe"]["periodSeconds"] * c["readinessProbe"]["failureThreshold"]
    live = c["livenessProbe"]["periodSeconds"] * c["livenessProbe"]["failureThreshold"]
    assert f"({ready} s)" in text and f"({live} s)" in text
    assert f"starts with the {ms['Deployment']['spec']['replicas']} replicas" in text
    assert f"to {ms['HorizontalPodAutoscaler']['spec']['maxReplicas']} replicas" in text
    target = ms["HorizontalPodAutoscaler"]["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"]
    assert f"HPA target of {target}% CPU" in text
    # the Dockerfile above exposes 8000 and starts 2 workers; the probes use the service's /health route
    chapter = CHAPTER.read_text(encoding="utf-8")
    assert c["ports"][0]["containerPort"] == 8000 and "EXPOSE 8000" in chapter and '"--workers", "2"' in chapter
    assert to_cores(c["resources"]["requests"]["cpu"]) == 2
    assert '@app.get("/health")' in chapter and c["readinessProbe"]["httpGet"]["path"] == "/health"


def test_replica_count_is_the_one_the_scaling_section_computes():
    """The Deployment's replicas equal the smallest 2-worker replica count for which P(wait > 5 ms) <= 1% in the
    M/M/c model of the Scaling section (recomputed here with scipy-free Erlang C from its definition)."""
    import math

    lam, s, budget = 1200.0, 0.020, 0.005
    mu, a = 1 / s, lam * s

    def erlang_c_direct(c):  # the textbook sum, independent of the recursion used in the chapter
        head = sum(a**k / math.factorial(k) for k in range(c))
        tail = a**c / math.factorial(c) * c / (c - a)
        return tail / (head + tail)

    c = int(a) + 2
    while erlang_c_direct(c) * math.exp(-(c * mu - lam) * budget) > 0.01:
        c += 2
    assert manifests()["Deployment"]["spec"]["replicas"] == c // 2 == 17


# ----------------------------------------------------------------------------- the checks can fail


@pytest.mark.parametrize(("kind", "path", "value", "fragment"), [
    ("Deployment", ["spec", "template", "spec", "containers", 0, "resources", "requests", "memory"], "1 GB", "memory"),
    ("Deployment", ["spec", "template", "spec", "containers", 0, "image"], "diabetes-model:latest", "image"),
    ("Deployment", ["spec", "template", "spec", "containers", 0, "readinessProbe", "httpGet", "path"], "health",
     "path"),
    ("Deployment", ["spec", "replicas"], "17", "replicas"),
    ("Service", ["spec", "ports", 0, "port"], 70000, "port"),
    ("HorizontalPodAutoscaler", ["spec", "metrics", 0, "resource", "target", "averageUtilization"], 160,
     "averageUtilization"),
])
def test_schema_rejects_broken_fields(kind, path, value, fragment):
    doc = copy.deepcopy(manifests()[kind])
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert any(fragment in e for e in schema_errors(doc)), schema_errors(doc)


def test_schema_requires_the_probes():
    doc = copy.deepcopy(manifests()["Deployment"])
    del doc["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
    assert any("readinessProbe" in e for e in schema_errors(doc))


def test_semantic_checks_catch_mismatches():
    ms = copy.deepcopy(manifests())
    ms["Service"]["spec"]["selector"] = {"app": "other"}
    ms["Deployment"]["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["port"] = "metrics"
    ms["Deployment"]["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["memory"] = "2Gi"
    problems = "\n".join(semantic_problems(ms))
    assert "Service selector" in problems and "undeclared port 'metrics'" in problems and "exceed limits" in problems
