"""Kubernetes label selectors and kustomize patch targets, as kustomize matches them.

The grammar is apimachinery's `labels.Parse` (k8s.io/apimachinery/pkg/labels/selector.go):
comma-separated requirements `key`, `!key`, `key=v`, `key==v`, `key!=v`, `key in (a,b)`,
`key notin (a,b)`, `key>n`, `key<n`. `!=` and `notin` also match when the key is absent.
kustomize's `types.Selector` (api/types/selector.go, SelectorRegex) matches group, version, kind,
name and namespace as anchored regular expressions (name and namespace against the object's
original and current values, a namespace as ResId.EffectiveNamespace gives it). A strategic-merge
patch without target is matched by its id instead (resWrangler.GetById: PatchId).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from homelint.core.regex import linear

_TOKEN = re.compile(r"\s*(\(|\)|,|==|!=|=|!|<|>|[^\s(),=!<>]+)")
_WORDS = ("in", "notin")


@dataclass(frozen=True, slots=True)
class Requirement:
    key: str
    op: str  # exists | !exists | = | != | in | notin | gt | lt
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        if self.op == "exists":
            return present
        if self.op == "!exists":
            return not present
        if self.op in ("=", "in"):
            return present and value in self.values
        if self.op in ("!=", "notin"):
            return not present or value not in self.values
        if self.op in ("gt", "lt"):
            try:
                have, want = int(str(value)), int(self.values[0])
            except (TypeError, ValueError):
                return False
            return have > want if self.op == "gt" else have < want
        return False


class SelectorError(ValueError):
    """A selector kustomize would refuse to parse."""


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise SelectorError(f"unexpected character at {pos}")
        out.append(match.group(1))
        pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


@lru_cache(maxsize=1024)
def parse_selector(text: str) -> tuple[Requirement, ...]:
    """The requirements of a selector string; raises SelectorError when it is malformed."""
    tokens = _tokens(text)
    reqs: list[Requirement] = []
    i = 0

    def take() -> str:
        nonlocal i
        if i >= len(tokens):
            raise SelectorError("unexpected end of selector")
        i += 1
        return tokens[i - 1]

    while i < len(tokens):
        token = take()
        if token == "!":
            reqs.append(Requirement(take(), "!exists"))
        else:
            key = token
            if key in ("(", ")", ",", "=", "==", "!="):
                raise SelectorError(f"unexpected '{key}'")
            if i >= len(tokens) or tokens[i] == ",":
                reqs.append(Requirement(key, "exists"))
            else:
                op = take()
                if op in ("=", "=="):
                    reqs.append(Requirement(key, "=", (_value(tokens, i),)))
                    i += 1 if i < len(tokens) and tokens[i] != "," else 0
                elif op == "!=":
                    reqs.append(Requirement(key, "!=", (_value(tokens, i),)))
                    i += 1 if i < len(tokens) and tokens[i] != "," else 0
                elif op in _WORDS:
                    if take() != "(":
                        raise SelectorError(f"'{op}' needs a parenthesised list")
                    values: list[str] = []
                    while True:
                        item = take()
                        if item == ")":
                            break
                        if item == ",":
                            continue
                        values.append(item)
                    reqs.append(Requirement(key, op, tuple(values)))
                elif op in (">", "<"):
                    reqs.append(Requirement(key, "gt" if op == ">" else "lt", (take(),)))
                else:
                    raise SelectorError(f"unknown operator '{op}'")
        if i < len(tokens):
            if tokens[i] != ",":
                raise SelectorError(f"expected ',' before '{tokens[i]}'")
            i += 1
    return tuple(reqs)


def _value(tokens: list[str], i: int) -> str:
    """The value after `=`/`!=`: empty when the requirement ends there (`key=`)."""
    return tokens[i] if i < len(tokens) and tokens[i] != "," else ""


def selector_matches(text: str, labels: Any) -> bool | None:
    """Whether `labels` satisfy the selector; None when the selector is malformed."""
    try:
        reqs = parse_selector(text)
    except SelectorError:
        return None
    present = {str(k): _label_text(v) for k, v in labels.items()} if isinstance(labels, dict) else {}
    return all(req.matches(present) for req in reqs)


def _label_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


@lru_cache(maxsize=1024)
def _anchored(pattern: str) -> Callable[[str], Any] | None:
    """A kustomize target regex (group, version, kind, name, namespace), anchored: a Go regexp,
    so RE2 (linear time on any pattern a repository commits)."""
    try:
        return linear(f"^(?:{pattern})$").search
    except ValueError:
        return None


def target_matches(
    target: Any,
    obj: Mapping[str, Any],
    namespace: str | None,
    names: tuple[str, ...] | None = None,
    namespaces: tuple[str | None, ...] | None = None,
) -> bool | None:
    """Whether a kustomize patch `target` selects the object (as it stands in the build, in
    `namespace`); None when the target cannot be evaluated (a malformed selector or regex).
    `names`: the names the object is selected by, when not only its metadata.name (kustomize's
    resmap Select matches a target name against the object's original or current name);
    `namespaces`: likewise its original and current namespace, compared as kustomize compares
    them (ResId.EffectiveNamespace: none is `default`), instead of `namespace` as it is."""
    if not isinstance(target, dict):
        return False
    api = obj.get("apiVersion")
    api = api if isinstance(api, str) else ""
    group, _, version = api.rpartition("/")
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    kind = obj.get("kind")
    own = meta.get("name")
    candidates = names if names is not None else (str(own) if own is not None else "",)
    spaces: tuple[str | None, ...] = (namespace,)
    if namespaces is not None:
        spaces = tuple(effective_namespace(group, str(kind), ns) for ns in namespaces)
    fields = (("kind", (kind,)), ("group", (group,)), ("version", (version,)), ("name", candidates), ("namespace", spaces))
    for key, actuals in fields:
        want = target.get(key)
        if want:
            match = _anchored(str(want))
            if match is None:
                return None
            if not any(match(str(actual) if actual is not None else "") for actual in actuals):
                return False
    for key, field in (("labelSelector", "labels"), ("annotationSelector", "annotations")):
        want = target.get(key)
        if isinstance(want, str) and want.strip():
            result = selector_matches(want, meta.get(field))
            if not result:
                return result
    return True


# --- strategic-merge patches without a target: matched by the object's id -----------------------
# Kinds kustomize knows to be cluster-scoped (kyaml's built-in OpenAPI data: Kubernetes' own kinds,
# by group), whose namespace an id comparison ignores (resid.ResId.EffectiveNamespace). A custom
# resource's scope is not known to kustomize: its namespace is compared, `default` when it has
# none. Kinds newer than kustomize's OpenAPI data are listed too: their namespace is then ignored
# here where kustomize may compare it (a build failure not reported, never one invented).
CLUSTER_SCOPED_BUILTINS = frozenset(
    (group, kind)
    for group, kinds in {
        "": ("Namespace", "Node", "PersistentVolume", "ComponentStatus"),
        "rbac.authorization.k8s.io": ("ClusterRole", "ClusterRoleBinding"),
        "apiextensions.k8s.io": ("CustomResourceDefinition",),
        "apiregistration.k8s.io": ("APIService",),
        "admissionregistration.k8s.io": (
            "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "ValidatingAdmissionPolicy",
            "ValidatingAdmissionPolicyBinding", "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding",
        ),
        "storage.k8s.io": ("StorageClass", "CSIDriver", "CSINode", "VolumeAttachment", "VolumeAttributesClass"),
        "scheduling.k8s.io": ("PriorityClass",),
        "networking.k8s.io": ("IngressClass", "IPAddress", "ServiceCIDR"),
        "node.k8s.io": ("RuntimeClass",),
        "policy": ("PodSecurityPolicy",),
        "extensions": ("PodSecurityPolicy",),
        "certificates.k8s.io": ("CertificateSigningRequest", "ClusterTrustBundle"),
        "flowcontrol.apiserver.k8s.io": ("FlowSchema", "PriorityLevelConfiguration"),
        "authentication.k8s.io": ("TokenReview", "SelfSubjectReview"),
        "authorization.k8s.io": ("SelfSubjectAccessReview", "SelfSubjectRulesReview", "SubjectAccessReview"),
        "resource.k8s.io": ("DeviceClass", "ResourceSlice"),
        "storagemigration.k8s.io": ("StorageVersionMigration",),
    }.items()
    for kind in kinds
)  # fmt: skip

NOT_NAMESPACED = "_non_namespaceable_"  # kustomize's resid.TotallyNotANamespace


def effective_namespace(group: str, kind: str, namespace: str | None) -> str:
    """The namespace kustomize compares ids and target namespaces by (ResId.EffectiveNamespace):
    none for a kind it knows to be cluster-scoped, `default` for an empty one."""
    if (group, kind) in CLUSTER_SCOPED_BUILTINS:
        return NOT_NAMESPACED
    return namespace or "default"


@dataclass(frozen=True, slots=True)
class PatchId:
    """The id a strategic-merge patch without a target is matched by (resid.ResId): its
    apiVersion's group and version, kind, name and namespace, as written in the patch."""

    group: str
    version: str
    kind: str
    name: str
    namespace: str

    def text(self) -> str:
        """kustomize's ResId.String(): `Deployment.v1.apps/app.default`, `[noGrp]` for the core group."""
        gvk = ".".join((self.kind or "[noKind]", self.version or "[noVer]", self.group or "[noGrp]"))
        return f"{gvk}/{self.name or '[noName]'}.{self.namespace or '[noNs]'}"

    def equals(self, group: str, version: str, kind: str, name: str, namespace: str | None) -> bool:
        """ResId.Equals: group, version, kind and name equal, and the same effective namespace."""
        return (self.group, self.version, self.kind, self.name) == (group, version, kind, name) and effective_namespace(
            group, kind, self.namespace
        ) == effective_namespace(group, kind, namespace)


def patch_id(body: Any) -> PatchId | None:
    """The id of a strategic-merge patch document; None when it has no kind or no metadata.name
    (kustomize then cannot read it as a strategic-merge patch: parse_failure)."""
    if not isinstance(body, dict):
        return None
    meta = body.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    kind, name, namespace = body.get("kind"), meta.get("name"), meta.get("namespace")
    api = body.get("apiVersion")
    if not isinstance(kind, str) or not kind or not isinstance(name, str) or not name:
        return None
    group, version = _group_version(api if isinstance(api, str) else "")
    return PatchId(group, version, kind, name, namespace if isinstance(namespace, str) else "")


def _group_version(api_version: str) -> tuple[str, str]:
    """resid.ParseGroupVersion: `apps/v1` is (apps, v1), `v1` is ("", v1)."""
    group, slash, version = api_version.partition("/")
    return (group, version) if slash else ("", api_version)


def parse_failure(docs: list[Any]) -> str | None:
    """Why kustomize cannot read a patch of these documents (not a JSON6902 list) as strategic-merge
    patches (kyaml RNode.GetValidatedMetadata, on every document): 'missing kind' or 'missing
    metadata.name' (a kind ending in List needs no name); None when it can, or when that is not
    known here (a document that is not a mapping, or one whose fields are not plain strings)."""
    for doc in docs:
        if not isinstance(doc, dict):
            return None
        kind = doc.get("kind")
        if kind is None or kind == "":
            return "missing kind"
        if not isinstance(kind, str):
            return None
        meta = doc.get("metadata")
        name = meta.get("name") if isinstance(meta, dict) else None
        if (name is None or name == "") and not kind.endswith("List"):
            if meta is not None and not isinstance(meta, dict):
                return None
            return "missing metadata.name"
    return None
