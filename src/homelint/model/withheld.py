"""Objects of a Flux Kustomization's build that never reach the cluster.

kustomize drops local configuration from its output, and kustomize-controller skips the objects
its apply options exclude. Such an object is read by the build (a `replacements:` source, a patch
target) but Flux never applies it: it makes nothing and needs nothing on the cluster.
"""

from __future__ import annotations

from typing import Any

LOCAL_CONFIG = "config.kubernetes.io/local-config"
SSA = "kustomize.toolkit.fluxcd.io/ssa"
RECONCILE = "kustomize.toolkit.fluxcd.io/reconcile"
# kustomize-controller's apply options (internal/controller/kustomization_controller.go, apply()):
# ExclusionSelector, matched against the object it would apply (fluxcd/pkg ssa shouldSkipApply)
EXCLUDED = ((SSA, "ignore"), (RECONCILE, "disabled"))
IF_NOT_PRESENT = ((SSA, "ifnotpresent"),)  # IfNotPresentSelector: created only when absent


def local_config(data: dict[str, Any]) -> bool:
    """Whether kustomize drops the object from its build output: an annotation
    `config.kubernetes.io/local-config` with any value but "false" (an unquoted `false` reads as
    "false"; api/resource/factory.go DropLocalNodes). kustomize drops it only from the output of
    the top kustomization, after its transformers: replacements and patches still see it."""
    meta = data.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    if not isinstance(annotations, dict) or LOCAL_CONFIG not in annotations:
        return False
    value = annotations[LOCAL_CONFIG]
    return value is not False and value != "false"


def matching_pair(data: dict[str, Any], ks_data: dict[str, Any] | None, pairs: tuple[tuple[str, str], ...]) -> str | None:
    """fluxcd/pkg ssa/utils.AnyInMetadata on the object as kustomize-controller applies it: the
    first of `pairs` that is a non-empty label or annotation whose value equals its value
    case-insensitively ("key: value" as written), or None. The Kustomization's
    `spec.commonMetadata` is set first and overrides the object's own keys."""
    spec = ks_data.get("spec") if isinstance(ks_data, dict) else None
    common = spec.get("commonMetadata") if isinstance(spec, dict) else None
    metadata = data.get("metadata")
    for field in ("labels", "annotations"):
        values: dict[Any, Any] = {}
        for source in (metadata, common):
            found = source.get(field) if isinstance(source, dict) else None
            if isinstance(found, dict):
                values.update(found)
        for key, value in pairs:
            found_value = values.get(key)
            if isinstance(found_value, str) and found_value and found_value.lower() == value:
                return f"{key}: {found_value}"
    return None


def any_in_metadata(data: dict[str, Any], ks_data: dict[str, Any] | None, pairs: tuple[tuple[str, str], ...]) -> bool:
    """Whether one of `pairs` is in the object's metadata as kustomize-controller applies it (matching_pair)."""
    return matching_pair(data, ks_data, pairs) is not None


def withheld(data: dict[str, Any], ks_data: dict[str, Any] | None) -> str | None:
    """Why an object of a Flux Kustomization's build (as the build left it) is not applied, or
    None when Flux applies it."""
    if local_config(data):
        return f"kustomize drops it from the build output ({LOCAL_CONFIG})"
    pair = matching_pair(data, ks_data, EXCLUDED)
    if pair is not None:
        return f"kustomize-controller does not apply it ({pair})"
    return None
