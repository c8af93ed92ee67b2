"""Talos machine config documents and talhelper's talconfig.yaml against their published schemas,
as leniently as Talos and talhelper decode them.

The schemas come from the schema store (schemas.paths or `homelint schemas pull`), never vendored:
- Talos: `website/content/v1.X/schemas/config.schema.json` of the `release-1.X` branch, one per minor;
- talhelper: `pkg/config/schemas/talconfig.json` (and `talos-extensions.json`, the extension list).

The published schemas are stricter than the decoders, so a violation is an error only where the
tool rejects the document (siderolabs/talos pkg/machinery/config/configloader/internal/decoder):
- Talos decodes with go-yaml `KnownFields(true)` and then `CheckUnknownKeys` against its Go structs:
  an unknown key is rejected. Deprecated fields are still Go struct fields marked `docgen:nodoc`, so
  the schema leaves them out while Talos accepts them: a key listed in DEPRECATED, or documented by an
  older minor's schema, is a deprecation (a warning naming the replacement), not an error.
- go-yaml decodes any scalar into a Go string, so an unquoted int or bool where the schema says
  `string` is accepted; other type mismatches fail to decode.
- `$patch: delete` strategic-merge markers are removed before decoding (decoder/delete.go).
- `kind: UnattendedInstallConfig` is what Talos registers; v1.14's schema names it `UnattendedInstall`:
  a kind is matched by its schema enum or by its definition name (`<Kind>V1Alpha1`).
- talhelper reads talconfig.yaml with a plain go-yaml `Unmarshal` (pkg/config/loader.go): an unknown
  key is silently ignored (a warning), a type it cannot decode is an error.
- `${VAR}` placeholders (talhelper envsubst) and `$${` escapes match anything.
Other keywords (enum, pattern, required, ranges) are not asserted: the decoders do not check them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

TALOS_SCHEMA_URL = "https://raw.githubusercontent.com/siderolabs/talos/refs/heads/release-{minor}/website/content/v{minor}/schemas/config.schema.json"
TALHELPER_BASE = "https://raw.githubusercontent.com/budimanjojo/talhelper/master/pkg/config/schemas/"
TALHELPER_SCHEMA_URL = TALHELPER_BASE + "talconfig.json"
EXTENSIONS_URL = TALHELPER_BASE + "talos-extensions.json"
_SCHEMA_URL = re.compile(r"siderolabs/talos/refs/heads/release-(\d+\.\d+)/")
_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?$")
V1ALPHA1 = "v1alpha1.Config"
STAR = "*"

# v1alpha1 fields marked `docgen:nodoc` + `Deprecated:` in pkg/machinery/config/types/v1alpha1/v1alpha1_types.go
# (Talos still decodes them): field path ("*" = any list item or map key) -> what replaces it. Read from
# the v1.13-era source: for a later Talos, an older schema in the store must tell the rest.
DEPRECATED_COMPLETE_THROUGH = (1, 13)
DEPRECATED: dict[tuple[str, ...], str] = {
    ("persist",): "nothing (no longer supported)",
    ("machine", "disks"): "a UserVolumeConfig document",
    ("machine", "time"): "a TimeSyncConfig document",
    ("machine", "registries"): "RegistryMirrorConfig / RegistryAuthConfig / RegistryTLSConfig documents",
    ("machine", "systemDiskEncryption"): "VolumeConfig documents (encryption)",
    ("machine", "network", "hostname"): "a HostnameConfig document",
    ("machine", "network", "interfaces"): "LinkConfig / BondConfig / VLANConfig / Layer2VIPConfig documents",
    ("machine", "network", "nameservers"): "a ResolverConfig document",
    ("machine", "network", "searchDomains"): "a ResolverConfig document",
    ("machine", "network", "disableSearchDomain"): "a ResolverConfig document",
    ("machine", "network", "extraHostEntries"): "a StaticHostConfig document",
    ("machine", "network", "kubespan"): "a KubeSpanConfig document",
    ("machine", "install", "extraKernelArgs"): "an installer image built by Image Factory",
    ("machine", "install", "extensions"): "an installer image built by Image Factory",
    ("machine", "install", "bootloader"): "nothing (it never worked)",
    ("machine", "features", "rbac"): "nothing (always on)",
    ("machine", "features", "stableHostname"): "a HostnameConfig document",
    ("machine", "features", "apidCheckExtKeyUsage"): "nothing",
    ("cluster", "allowSchedulingOnMasters"): "cluster.allowSchedulingOnControlPlanes",
    ("cluster", "apiServer", "disablePodSecurityPolicy"): "nothing (PodSecurityPolicy is gone)",
    ("cluster", "etcd", "subnet"): "cluster.etcd.advertisedSubnets",
}


def minor_of(version: Any) -> str | None:
    """'v1.13.9' -> '1.13' (None for 'latest', placeholders and junk)."""
    if not isinstance(version, str):
        return None
    match = _VERSION.match(version.strip())
    return f"{match[1]}.{match[2]}" if match else None


def minor_of_schema_url(url: str) -> str | None:
    match = _SCHEMA_URL.search(url)
    return match[1] if match else None


def _minor_key(minor: str) -> tuple[int, int]:
    major, low = minor.split(".")
    return int(major), int(low)


def talos_url(minor: str) -> str:
    return TALOS_SCHEMA_URL.format(minor=minor)


def older_minors(minor: str, count: int = 2) -> list[str]:
    major, low = (int(p) for p in minor.split("."))
    return [f"{major}.{m}" for m in range(low - 1, max(low - 1 - count, -1), -1)]


@dataclass
class Violation:
    """One problem at `at` (field path in the document); kind: unknown | deprecated | type | kind."""

    kind: str
    at: tuple[Any, ...]
    message: str
    key: bool = True  # the span is the key at `at` (else its value)


# --- the schema of one document ------------------------------------------------------------------
class TalosSchema:
    """One Talos minor's config.schema.json: its definitions by kind and a lenient check."""

    def __init__(self, minor: str, document: dict[str, Any]) -> None:
        self.minor = minor
        self.defs: dict[str, Any] = document.get("$defs") if isinstance(document.get("$defs"), dict) else {}  # type: ignore[assignment]
        self._validators: dict[str, Any] = {}

    def definition_for(self, doc: dict[str, Any]) -> str | None:
        """The $defs name that describes a document: its kind (by enum or by name), else v1alpha1."""
        kind = doc.get("kind")
        if kind is None:
            return V1ALPHA1 if V1ALPHA1 in self.defs else None
        if not isinstance(kind, str):
            return None
        by_name = None
        for name, schema in sorted(self.defs.items()):
            enum = ((schema.get("properties") or {}).get("kind") or {}).get("enum") if isinstance(schema, dict) else None
            if isinstance(enum, list) and kind in enum:
                return name
            if name.rsplit(".", 1)[-1] in (f"{kind}V1Alpha1", kind) and isinstance(enum, list):
                by_name = name
        return by_name

    def validator(self, name: str) -> Any:
        found = self._validators.get(name)
        if found is None:
            import jsonschema  # start-up: imported only where it is needed

            root = {"$ref": f"#/$defs/{name}", "$defs": self.defs}
            found = self._validators[name] = jsonschema.Draft202012Validator(root)
        return found

    def knows(self, name: str, at: tuple[Any, ...]) -> bool:
        """Whether the definition `name` documents the field at `at` (list indexes and map keys pass)."""
        node: Any = self.defs.get(name)
        for part in at:
            node = self._resolve(node)
            if not isinstance(node, dict):
                return False
            props = node.get("properties")
            if isinstance(part, str) and isinstance(props, dict) and part in props:
                node = props[part]
            elif isinstance(part, int) and isinstance(node.get("items"), dict):
                node = node["items"]
            elif isinstance(node.get("additionalProperties"), dict):
                node = node["additionalProperties"]
            elif isinstance(node.get("patternProperties"), dict) and node["patternProperties"]:
                node = next(iter(node["patternProperties"].values()))
            else:
                return False
        return node is not None

    def _resolve(self, node: Any) -> Any:
        for _ in range(10):
            if isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/$defs/"):
                node = self.defs.get(node["$ref"][len("#/$defs/") :])
            else:
                break
        return node


def cleaned(doc: Any, *, talhelper: bool = False) -> tuple[Any, list[tuple[Any, ...]]]:
    """The document without `$patch` markers (written `$$patch` in talhelper files, whose envsubst
    turns `$$` into `$`), and the paths of the mappings that carried one."""
    marked: list[tuple[Any, ...]] = []
    markers = ("$patch", "$$patch") if talhelper else ("$patch",)

    def walk(node: Any, at: tuple[Any, ...]) -> Any:
        if isinstance(node, dict):
            if any(m in node for m in markers):
                marked.append(at)
            return {k: walk(v, (*at, k)) for k, v in node.items() if k not in markers}
        if isinstance(node, list):
            return [walk(v, (*at, i)) for i, v in enumerate(node)]
        return node

    return walk(doc, ()), marked


def _placeholder(value: Any) -> bool:
    return isinstance(value, str) and "${" in value


def _lenient_type(error: Any) -> bool:
    """go-yaml decodes any scalar into a string; a placeholder may become anything."""
    wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
    value = error.instance
    if _placeholder(value):
        return True
    return "string" in wanted and isinstance(value, bool | int | float)


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "null"


def _deprecated(at: tuple[Any, ...]) -> str | None:
    for pattern, replacement in DEPRECATED.items():
        if len(pattern) == len(at) and all(p in (STAR, a) for p, a in zip(pattern, at, strict=True)):
            return replacement
    return None


def check_document(
    schema: TalosSchema,
    doc: Any,
    older: list[TalosSchema],
    newer: list[TalosSchema],
    *,
    talhelper: bool = False,
) -> Iterator[Violation]:
    """What Talos `schema.minor` rejects or deprecates in one document (`talhelper`: a talhelper
    patch, envsubst'd first)."""
    if not isinstance(doc, dict) or isinstance(doc.get("sops"), dict):
        return  # SOPS-encrypted: Talos only ever sees the decrypted form
    name = schema.definition_for(doc)
    if name is None:
        kind = doc.get("kind")
        since = next((s.minor for s in sorted(newer, key=lambda s: s.minor) if s.definition_for(doc)), None)
        if since is not None:  # a kind a newer Talos knows: this one has no decoder for it
            yield Violation(
                "kind", ("kind",), f"kind {kind} is not known to Talos {schema.minor} (it appears in Talos {since})", key=False
            )
        return
    instance, marked = cleaned(doc, talhelper=talhelper)
    for error in schema.validator(name).iter_errors(instance):
        at = tuple(error.absolute_path)
        if any(at[: len(m)] == m for m in marked):
            continue  # inside a `$patch: delete` mapping
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            props = error.schema.get("properties") or {}
            patterns = list((error.schema.get("patternProperties") or {}).keys())
            for extra in error.instance:
                if extra in props or any(re.search(p, str(extra)) for p in patterns):
                    continue
                yield _unknown(schema, name, (*at, extra), older, newer)
        elif error.validator == "type" and not _lenient_type(error):
            wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
            yield Violation(
                "type",
                at,
                f"Talos {schema.minor} expects {' or '.join(map(str, wanted))} here, not {_type_name(error.instance)}: "
                "the document fails to decode",
                key=False,
            )
        elif error.validator == "const" and at == ("kind",) and isinstance(error.instance, str):
            continue  # UnattendedInstallConfig vs the schema's UnattendedInstall
        # enum, pattern, required, ranges: not checked by the decoders


def _unknown(
    schema: TalosSchema, name: str, at: tuple[Any, ...], older: list[TalosSchema], newer: list[TalosSchema]
) -> Violation:
    field = ".".join(str(p) for p in at)
    if name == V1ALPHA1:
        replacement = _deprecated(tuple(STAR if isinstance(p, int) else p for p in at))
        if replacement is None:
            replacement = _deprecated(at)
        if replacement is not None:
            return Violation(
                "deprecated", at, f"{field} is deprecated (Talos {schema.minor} still accepts it): use {replacement} instead"
            )
        documented = next((s.minor for s in older if s.knows(name, at)), None)
        if documented is not None:
            return Violation(
                "deprecated",
                at,
                f"{field} is deprecated: Talos {schema.minor} still accepts it but no longer documents it "
                f"(Talos {documented} does); see the Talos {schema.minor} upgrade notes for the document that replaces it",
            )
        if not older and _minor_key(schema.minor) > DEPRECATED_COMPLETE_THROUGH:
            return Violation(
                "unknown-unsure",
                at,
                f"{field} is not in the Talos {schema.minor} schema (no older Talos schema is in the store to tell a "
                "deprecated field from a typo)",
            )
    since = next((s.minor for s in sorted(newer, key=lambda s: s.minor) if s.knows(name, at)), None)
    added = f" (it appears in Talos {since})" if since else ""
    return Violation("unknown", at, f"unknown field {field}: Talos {schema.minor} rejects the document{added}")


# --- talhelper's talconfig.yaml -------------------------------------------------------------------
def check_talconfig(schema_doc: dict[str, Any], data: Any) -> Iterator[Violation]:
    """What talhelper's go-yaml Unmarshal rejects (types) or silently drops (unknown keys)."""
    import jsonschema  # start-up: imported only where it is needed

    validator = jsonschema.Draft202012Validator(schema_doc)
    for error in validator.iter_errors(data):
        at = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            props = error.schema.get("properties") or {}
            for extra in error.instance:
                if extra not in props:
                    field = ".".join(str(p) for p in (*at, extra))
                    yield Violation("unknown", (*at, extra), f"talhelper does not know {field} and silently ignores it")
        elif error.validator == "type" and not _lenient_type(error):
            wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
            yield Violation(
                "type",
                at,
                f"talhelper expects {' or '.join(map(str, wanted))} here, not {_type_name(error.instance)}: genconfig fails to read the file",
                key=False,
            )


def extensions_for(data: Any, minor_or_version: str) -> set[str] | None:
    """The system extension names talhelper's list has for a Talos version (exact, else the newest of its minor)."""
    versions = data.get("versions") if isinstance(data, dict) else None
    if not isinstance(versions, list):
        return None
    wanted = minor_or_version if minor_or_version.startswith("v") else "v" + minor_or_version
    exact = [v for v in versions if isinstance(v, dict) and v.get("version") == wanted]
    minor = minor_of(wanted)
    same_minor = [v for v in versions if isinstance(v, dict) and minor_of(v.get("version")) == minor]
    chosen = exact or same_minor[-1:]
    if not chosen:
        return None
    names = chosen[0].get("systemExtensions")
    return {n for n in names if isinstance(n, str)} if isinstance(names, list) else None
