"""The Flux Kustomizations a flux-operator ResourceSet creates, rendered from its static inputs.

flux-operator (internal/builder/resourceset.go, BuildResourceSet) executes each `spec.resources`
entry as a Go template with `<< >>` delimiters once per input set (`spec.inputs`, after the inputs
of the providers `spec.inputsFrom` names), with `missingkey=error`, and applies the objects by
server-side apply (deduplicated by group, kind, namespace and name; `fluxcd.controlplane.io/
reconcile: disabled` ones left out). homelint renders a Flux Kustomization entry only when that is
certain: the inputs are written in the ResourceSet (no `inputsFrom`, no `steps`), every action is
a plain `<< inputs.key >>` (or `<< inputs.key.sub >>`) of a string or integer every input has,
each rendered value stays a string when the YAML is read again, and the rendered object names its
namespace. Any other Kustomization entry is one the model does not
follow (`unrendered`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from homelint.core.model import K8sObject, make_object
from homelint.core.regex import linear

GROUP = "fluxcd.controlplane.io"
FLUX_KS_GROUP = "kustomize.toolkit.fluxcd.io"
_ACTION = r"(?s)<<(.*?)>>"  # run on RE2 (core.regex.linear): a value of many `<<` is linear, not quadratic
_INPUT = re.compile(r"^\s*inputs((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*$")  # no `-` trim marker
# what the YAML flux-operator parses again would read as another type than a string (go-yaml v2)
_NOT_A_STRING = re.compile(
    r"^(?:|~|null|Null|NULL|[yYnN]|yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"
    r"|[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)(?:[eE][-+]?[0-9]+)?|0[xXoO]?[0-9a-fA-F_]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
MAX_RENDERED = 1000  # objects per ResourceSet: a matrix no homelab writes by hand


@dataclass
class Rendered:
    """What homelint knows of the Flux Kustomizations (or sources) a ResourceSet creates."""

    kustomizations: list[K8sObject] = field(default_factory=list)  # the rendered objects of the kind asked for
    unrendered: list[str] = field(default_factory=list)  # why an entry is not followed


def is_resource_set(obj: K8sObject) -> bool:
    return obj.kind == "ResourceSet" and obj.group == GROUP


def rendered_kustomizations(obj: K8sObject) -> Rendered:
    """The Flux Kustomizations of `obj`'s `spec.resources`, each rendered once per input (located at
    its entry: `anchor`), and why the others cannot be."""
    return _rendered(obj, _is_flux_ks, "kustomize.toolkit.fluxcd.io", "Kustomizations")


def rendered_sources(obj: K8sObject) -> Rendered:
    """The Flux sources (GitRepository, OCIRepository, Bucket ...) of `obj`'s `spec.resources`,
    rendered as rendered_kustomizations renders Kustomizations."""
    return _rendered(obj, _is_flux_source, "source.toolkit.fluxcd.io", "sources")


def _rendered(obj: K8sObject, wanted: Callable[[Any], bool], group: str, what: str) -> Rendered:
    out = Rendered()
    spec = obj.spec
    resources = spec.get("resources")
    entries = [(i, r) for i, r in enumerate(resources if isinstance(resources, list) else []) if wanted(r)]
    if isinstance(spec.get("resourcesTemplate"), str) and group in spec["resourcesTemplate"]:
        out.unrendered.append("its spec.resourcesTemplate")
    if isinstance(spec.get("steps"), list) and spec["steps"]:
        out.unrendered.append("its spec.steps")
    if not entries:
        return out
    if spec.get("inputsFrom"):
        out.unrendered.append(f"{what} rendered from the inputs of spec.inputsFrom")
        return out
    raw = spec.get("inputs")
    inputs = raw if isinstance(raw, list) and raw else None
    if raw is not None and (not isinstance(raw, list) or not all(isinstance(i, dict) for i in raw)):
        out.unrendered.append("spec.inputs that are not a list of mappings")
        return out
    if inputs is not None and spec.get("inputStrategy") not in (None, {}) and _strategy(spec) != "Flatten":
        out.unrendered.append("spec.inputStrategy other than Flatten")
        return out
    seen: set[tuple[str, str]] = set()
    for index, entry in entries:
        for input_set in inputs if inputs is not None else [None]:
            data = _render(entry, input_set)
            if data is None:
                out.unrendered.append(f"spec.resources[{index}] (a template action other than << inputs.key >>)")
                break
            made = make_object(obj.path, obj.doc, data)
            if made is None or not made.namespace or not made.name:
                out.unrendered.append(f"spec.resources[{index}] (no metadata.namespace once rendered)")
                break
            meta = made.metadata
            annotations = meta.get("annotations")
            disabled = isinstance(annotations, dict) and annotations.get(f"{GROUP}/reconcile") == "disabled"
            if disabled or (made.namespace, made.name) in seen:
                continue
            seen.add((made.namespace, made.name))
            made.anchor = ("spec", "resources", index)
            out.kustomizations.append(made)
            if len(out.kustomizations) >= MAX_RENDERED:
                out.unrendered.append(f"{what} past the first {MAX_RENDERED}")
                return out
    return out


def _strategy(spec: dict[str, Any]) -> Any:
    strategy = spec.get("inputStrategy")
    return strategy.get("name") if isinstance(strategy, dict) else strategy


def _is_flux_ks(entry: Any) -> bool:
    if not isinstance(entry, dict) or entry.get("kind") != "Kustomization":
        return False
    api = entry.get("apiVersion")
    return isinstance(api, str) and api.startswith(FLUX_KS_GROUP + "/")


def _is_flux_source(entry: Any) -> bool:
    api = entry.get("apiVersion") if isinstance(entry, dict) else None
    return isinstance(api, str) and api.startswith("source.toolkit.fluxcd.io/") and isinstance(entry.get("kind"), str)


def _render(value: Any, inputs: dict[str, Any] | None) -> Any:
    """`value` with each `<< inputs.key >>` in its strings replaced by the input's value; None when
    an action is anything else, or names what the input does not have (flux-operator fails then)."""
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            if isinstance(key, str) and "<<" in key:
                return None
            rendered = _render(item, inputs)
            if rendered is None and item is not None:
                return None
            out[key] = rendered
        return out
    if isinstance(value, list):
        items = [_render(item, inputs) for item in value]
        return None if any(r is None and i is not None for r, i in zip(items, value, strict=True)) else items
    if not isinstance(value, str) or "<<" not in value:
        return value
    failed = False

    def action(found: Any) -> str:
        nonlocal failed
        path = _INPUT.match(found.group(1))
        current: Any = inputs
        for key in path.group(1)[1:].split(".") if path else ():
            current = current.get(key) if isinstance(current, dict) else None
        if path is None or isinstance(current, bool) or not isinstance(current, str | int):
            failed = True
            return ""
        return str(current)

    text = linear(_ACTION).sub(action, value)
    return None if failed or "<<" in text or ">>" in text or _NOT_A_STRING.match(text) else text
