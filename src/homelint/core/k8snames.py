"""What the Kubernetes API server accepts as a label value, a label key and an object name
(k8s.io/apimachinery pkg/util/validation: IsValidLabelValue, IsQualifiedName, IsDNS1123Subdomain,
IsDNS1123Label, IsDNS1035Label; pkg/api/validation/path: IsValidPathSegmentName), and which of
those rules each kind's metadata.name must satisfy (name_rule)."""

from __future__ import annotations

import re
from dataclasses import dataclass

LABEL_VALUE_MAX = 63
# labelValueFmt / qualifiedNameFmt: alphanumeric at both ends, '-', '_' and '.' inside
_LABEL_VALUE = re.compile(r"(?:(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
_NAME_PART = re.compile(r"(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_DNS1123_LABEL = re.compile(r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?")
_DNS1035_LABEL = re.compile(r"[a-z](?:[-a-z0-9]*[a-z0-9])?")
DNS1123_SUBDOMAIN_MAX = 253
DNS_LABEL_MAX = 63  # DNS1123LabelMaxLength and DNS1035LabelMaxLength


def valid_label_value(value: str) -> bool:
    """IsValidLabelValue: empty, or at most 63 characters of [A-Za-z0-9-_.] that start and end
    with an alphanumeric."""
    return len(value) <= LABEL_VALUE_MAX and _LABEL_VALUE.fullmatch(value) is not None


def valid_dns1123_subdomain(name: str) -> bool:
    """IsDNS1123Subdomain: at most 253 characters, dot-separated DNS labels of [a-z0-9-]."""
    return 0 < len(name) <= DNS1123_SUBDOMAIN_MAX and all(_DNS1123_LABEL.fullmatch(part) for part in name.split("."))


def valid_dns1123_label(name: str) -> bool:
    """IsDNS1123Label: at most 63 characters of [a-z0-9-] that start and end with an alphanumeric."""
    return len(name) <= DNS_LABEL_MAX and _DNS1123_LABEL.fullmatch(name) is not None


def valid_dns1035_label(name: str) -> bool:
    """IsDNS1035Label: at most 63 characters of [a-z0-9-] that start with a letter and end with an
    alphanumeric."""
    return len(name) <= DNS_LABEL_MAX and _DNS1035_LABEL.fullmatch(name) is not None


def valid_path_segment(name: str) -> bool:
    """IsValidPathSegmentName: neither '.' nor '..', and no '/' or '%'."""
    return name not in (".", "..") and "/" not in name and "%" not in name


def valid_label_key(key: str) -> bool:
    """IsQualifiedName: an optional DNS subdomain prefix and '/', then a name part of at most 63
    characters of [A-Za-z0-9-_.] that starts and ends with an alphanumeric."""
    prefix, slash, name = key.rpartition("/")
    if slash and not valid_dns1123_subdomain(prefix):
        return False
    return 0 < len(name) <= LABEL_VALUE_MAX and _NAME_PART.fullmatch(name) is not None


_NAME_PART_FORMAT = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
)


def label_key_problem(key: str) -> str:
    """Why IsQualifiedName rejects `key`, in the API server's words; "" when it takes it."""
    parts = key.split("/")
    if len(parts) > 2:
        return f"a qualified name {_NAME_PART_FORMAT}, with an optional DNS subdomain prefix and '/'"
    prefix, name = (parts[0], parts[1]) if len(parts) == 2 else (None, parts[0])
    problems = []
    if prefix is not None and not prefix:
        problems.append("prefix part must be non-empty")
    elif prefix is not None and not valid_dns1123_subdomain(prefix):
        problems.append(f"prefix part {name_problem(SUBDOMAIN, prefix)}")
    if not name:
        problems.append("name part must be non-empty")
    elif len(name) > LABEL_VALUE_MAX:
        problems.append(f"name part must be no more than {LABEL_VALUE_MAX} characters")
    if name and not _NAME_PART.fullmatch(name):
        problems.append(f"name part {_NAME_PART_FORMAT}")
    return "; ".join(problems)


def label_value_problem(value: str) -> str:
    """Why IsValidLabelValue rejects `value`, in the API server's words; "" when it takes it."""
    problems = [f"must be no more than {LABEL_VALUE_MAX} characters"] if len(value) > LABEL_VALUE_MAX else []
    if not _LABEL_VALUE.fullmatch(value):
        problems.append(f"a valid label must be an empty string or {_NAME_PART_FORMAT.removeprefix('must ')}")
    return "; ".join(problems)


# --- object names -----------------------------------------------------------------------------
# the API server's words for each format (k8s.io/apimachinery pkg/util/validation)
_FORMATS = {
    "subdomain": "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character",
    "label": "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character",
    "dns1035": "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
    "start with an alphabetic character, and end with an alphanumeric character",
}


@dataclass(frozen=True, slots=True)
class NameRule:
    """A ValidateNameFunc of the API server: the format a name must have, and its longest length."""

    shape: str  # "subdomain", "label", "dns1035" or "segment"
    limit: int  # 0: none

    @property
    def what(self) -> str:
        return {"subdomain": "a DNS-1123 subdomain", "label": "a DNS-1123 label", "dns1035": "a DNS-1035 label"}.get(
            self.shape, "a path segment"
        )


SUBDOMAIN = NameRule("subdomain", DNS1123_SUBDOMAIN_MAX)  # NameIsDNSSubdomain
LABEL = NameRule("label", DNS_LABEL_MAX)  # NameIsDNSLabel (ValidateNamespaceName)
DNS1035 = NameRule("dns1035", DNS_LABEL_MAX)  # NameIsDNS1035Label (ValidateServiceName)
SEGMENT = NameRule("segment", 0)  # path.IsValidPathSegmentName
CRONJOB = NameRule("subdomain", 52)  # ValidateCronJob: the Jobs it makes append 11 characters to a 63 limit

# The name function each built-in kind's validation passes to ValidateObjectMeta (kubernetes
# pkg/apis/*/validation). Every kind the generic registry stores takes at least a path segment
# (apiserver registry/rest BeforeCreate): PodDisruptionBudget only that. StatefulSet names are DNS
# labels since a newer release, a subdomain before: the subdomain every release asks is judged.
_BUILT_IN: dict[str, dict[str, NameRule]] = {
    "": {
        "Namespace": LABEL, "Service": DNS1035,
        **dict.fromkeys(
            ("ConfigMap", "Secret", "ServiceAccount", "PersistentVolumeClaim", "PersistentVolume", "Pod", "PodTemplate",
             "ReplicationController", "Endpoints", "LimitRange", "ResourceQuota", "Node"),
            SUBDOMAIN,
        ),
    },
    "apps": dict.fromkeys(("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ControllerRevision"), SUBDOMAIN),
    "batch": {"Job": SUBDOMAIN, "CronJob": CRONJOB},
    "networking.k8s.io": dict.fromkeys(("Ingress", "IngressClass", "NetworkPolicy"), SUBDOMAIN),
    "autoscaling": {"HorizontalPodAutoscaler": SUBDOMAIN},
    "storage.k8s.io": {"StorageClass": SUBDOMAIN},
    "scheduling.k8s.io": {"PriorityClass": SUBDOMAIN},
    "rbac.authorization.k8s.io": dict.fromkeys(("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"), SEGMENT),
}  # fmt: skip
# groups under k8s.io whose kinds CRDs serve (installed with the project, not built in)
CRD_GROUPS_OF_K8S = ("gateway.networking.k8s.io", "snapshot.storage.k8s.io", "groupsnapshot.storage.k8s.io")


def served_by_crd(group: str) -> bool:
    """Whether a CustomResourceDefinition serves the group's kinds: a CRD's group has a dot (its
    validation asks for one), and the groups of Kubernetes itself end in .k8s.io."""
    return "." in group and (not (group == "k8s.io" or group.endswith(".k8s.io")) or group in CRD_GROUPS_OF_K8S)


def name_rule(group: str, kind: str) -> NameRule:
    """The rule the API server checks metadata.name of a new object of this kind with: a custom
    resource's is a DNS-1123 subdomain (apiextensions-apiserver registry/customresource/validator.go),
    a built-in kind's the one its validation names, any other kind's a path segment (BeforeCreate
    runs it on every object the generic registry stores)."""
    known = _BUILT_IN.get(group, {}).get(kind)
    if known is not None:
        return known
    return SUBDOMAIN if served_by_crd(group) else SEGMENT


def _has_shape(shape: str, name: str) -> bool:
    if shape == "subdomain":
        return all(_DNS1123_LABEL.fullmatch(part) for part in name.split("."))
    return (_DNS1123_LABEL if shape == "label" else _DNS1035_LABEL).fullmatch(name) is not None


def name_problem(rule: NameRule, name: str) -> str:
    """Why the API server rejects `name` under `rule`, in its own words; "" when it takes it."""
    if rule.shape == "segment":
        if name in (".", ".."):
            return f"may not be '{name}'"
        return " and ".join(f"may not contain '{char}'" for char in "/%" if char in name)
    problems = [f"must be no more than {rule.limit} characters"] if len(name) > rule.limit else []
    if not _has_shape(rule.shape, name):
        dots = rule.shape == "label" and _has_shape("subdomain", name)
        problems.append("must not contain dots" if dots else _FORMATS[rule.shape])
    return "; ".join(problems)
