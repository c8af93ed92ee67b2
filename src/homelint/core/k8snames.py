"""What the Kubernetes API server accepts as a label value, a label key and an object name
(k8s.io/apimachinery pkg/util/validation: IsValidLabelValue, IsQualifiedName, IsDNS1123Subdomain)."""

from __future__ import annotations

import re

LABEL_VALUE_MAX = 63
# labelValueFmt / qualifiedNameFmt: alphanumeric at both ends, '-', '_' and '.' inside
_LABEL_VALUE = re.compile(r"(?:(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
_NAME_PART = re.compile(r"(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_DNS1123_LABEL = re.compile(r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?")
DNS1123_SUBDOMAIN_MAX = 253


def valid_label_value(value: str) -> bool:
    """IsValidLabelValue: empty, or at most 63 characters of [A-Za-z0-9-_.] that start and end
    with an alphanumeric."""
    return len(value) <= LABEL_VALUE_MAX and _LABEL_VALUE.fullmatch(value) is not None


def valid_dns1123_subdomain(name: str) -> bool:
    """IsDNS1123Subdomain: at most 253 characters, dot-separated DNS labels of [a-z0-9-]."""
    return 0 < len(name) <= DNS1123_SUBDOMAIN_MAX and all(_DNS1123_LABEL.fullmatch(part) for part in name.split("."))


def valid_label_key(key: str) -> bool:
    """IsQualifiedName: an optional DNS subdomain prefix and '/', then a name part of at most 63
    characters of [A-Za-z0-9-_.] that starts and ends with an alphanumeric."""
    prefix, slash, name = key.rpartition("/")
    if slash and not valid_dns1123_subdomain(prefix):
        return False
    return 0 < len(name) <= LABEL_VALUE_MAX and _NAME_PART.fullmatch(name) is not None
