"""HL401-HL404: referenced Secrets are produced, no plaintext Secrets, stores exist, SOPS paths encrypted."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from homelint.checks.common import close_matches, has_flux, unproduced
from homelint.engine import Context
from homelint.graph import in_edges_of
from homelint.model import Finding, Span, sops_encrypted
from homelint.regex import linear
from homelint.registry import check


@check("HL401")
def unproduced_secret(ctx: Context) -> Iterator[Finding]:
    if not has_flux(ctx):
        return
    produced, missing = unproduced(ctx, "secret", ctx.config.external_secrets)
    for node, ns, name in missing:
        for edge in in_edges_of(ctx.graph, node, "uses-secret"):
            if edge["ref"].optional:
                continue
            applied = edge["applied"]
            obj = applied.obj
            ref = edge["ref"]
            if "maybe-identifier" in ref.extra and _chart_identifier(obj, name):
                continue
            close = close_matches(name, produced.names.get(ns, set()))
            hint = f"; secrets made in that namespace with similar names: {', '.join(close)}" if close else ""
            chart = " (if the chart itself creates it, list it in secrets.external)" if "chart-value" in ref.extra else ""
            yield ctx.at(
                "HL401",
                obj,
                edge["field"],
                f"{obj.kind} {obj.name} uses Secret '{name}' in namespace {ns}, but no Secret, SOPS file, ExternalSecret "
                f"or generator in the repository produces it{chart}{hint}",
                fix="add an ExternalSecret (or SOPS Secret) for it, fix the name, or list it in secrets.external "
                "if an operator or chart creates it",
                key=f"HL401/{ns}/{name}/{obj.kind}/{obj.name}",
            )


def _chart_identifier(obj: Any, name: str) -> bool:
    values = obj.spec.get("values")
    secrets = values.get("secrets") if isinstance(values, dict) else None
    return isinstance(secrets, dict) and name in secrets


SECRET_REFERENCE = re.compile(
    r"^\s*(op://|ref\+[a-z0-9]+://|<path:|vault:|bws://|\{\{.*\}\}\s*$|\$\{[A-Za-z_][A-Za-z0-9_]*\}\s*$)"
)


def _placeholder_only(value: Any) -> bool:
    """Empty, a Flux placeholder, a template, or a secret-manager reference (op://, ref+, <path:...>)."""
    if value is None:
        return True
    text = str(value).strip()
    if not text or SECRET_REFERENCE.match(text):
        return True
    if _DEFAULTED.search(text):
        return False  # ${VAR:=value}, ${VAR:-value}: the default is a plaintext value
    return (
        "${" in text
        and re.fullmatch(r"(\$\{[^}]*\}|[-/.:@_a-zA-Z0-9])*", text) is not None
        and not re.sub(r"\$\{[^}]*\}", "", text).strip("-/.:@_")
    )


_DEFAULTED = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?[-=+?][^}]")


def _encrypted(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("ENC[") and value.endswith("]")


@check("HL402")
def plaintext_secret(ctx: Context) -> Iterator[Finding]:
    """A value is plaintext unless it is a placeholder without a default, a reference, or (in a SOPS
    file) an ENC[...] value: a `sops:` block of its own does not make a value encrypted."""
    for obj in ctx.repo.objects:
        if obj.kind != "Secret" or obj.api_version != "v1":
            continue
        keys: list[tuple[str, str]] = []
        for section in ("data", "stringData"):
            values = obj.data.get(section)
            if isinstance(values, dict):
                keys.extend(
                    (section, str(k))
                    for k, v in values.items()
                    if not _placeholder_only(v) and not (obj.is_sops and _encrypted(v))
                )
        if not keys:
            continue
        names = ", ".join(k for _, k in keys[:6]) + (" ..." if len(keys) > 6 else "")
        section, first = keys[0]
        yield ctx.at(
            "HL402",
            obj,
            (section, first),
            f"Secret {obj.name} holds plaintext values (keys: {names}) in a file that is not SOPS-encrypted; "
            "the repository is public",
            key_node=True,
            fix="encrypt the file with sops (and rotate the values), or move them to your secret store and use an ExternalSecret",
            key=f"HL402/{obj.name}/{names}",
        )


@check("HL403")
def dangling_secret_store(ctx: Context) -> Iterator[Finding]:
    if not has_flux(ctx):
        return
    stores: set[tuple[str, str]] = set()
    cluster_stores: set[str] = set()
    for applied in ctx.flux.applied:
        if applied.obj.group != "external-secrets.io":
            continue
        if applied.kind == "SecretStore":
            stores.add((applied.ns, applied.name))
        elif applied.kind == "ClusterSecretStore":
            cluster_stores.add(applied.name)
    if not stores and not cluster_stores:
        unapplied = {o.name for o in ctx.repo.objects if o.kind in ("ClusterSecretStore", "SecretStore")}
        cluster_stores |= unapplied
    seen: set[tuple[int, str]] = set()
    for applied in ctx.flux.applied:
        obj = applied.obj
        if obj.group != "external-secrets.io" or obj.kind not in ("ExternalSecret", "ClusterExternalSecret", "PushSecret"):
            continue
        if (id(obj), applied.ns) in seen:
            continue
        seen.add((id(obj), applied.ns))
        for field, ref in _store_refs(obj):
            name = ref.get("name")
            if not isinstance(name, str) or "${" in name:
                continue
            kind = ref.get("kind") or "SecretStore"
            ok = name in cluster_stores if kind == "ClusterSecretStore" else (applied.ns, name) in stores
            if ok:
                continue
            other = ""
            if kind == "SecretStore" and name in cluster_stores:
                other = "; a ClusterSecretStore of that name exists: set kind: ClusterSecretStore (kind defaults to SecretStore)"
            yield ctx.at(
                "HL403",
                obj,
                (*field, "name"),
                f"{obj.kind} {obj.name} uses {kind} '{name}'"
                f"{' in namespace ' + applied.ns if kind == 'SecretStore' else ''}, which the repository does not define{other}",
                fix="fix the store name/kind, or define the store",
            )


def _store_refs(obj: Any) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    spec = obj.spec
    if obj.kind == "ClusterExternalSecret":
        inner = spec.get("externalSecretSpec")
        base: tuple[Any, ...] = ("spec", "externalSecretSpec")
        spec = inner if isinstance(inner, dict) else {}
    else:
        base = ("spec",)
    ref = spec.get("secretStoreRef")
    if isinstance(ref, dict):
        yield (*base, "secretStoreRef"), ref
    refs = spec.get("secretStoreRefs")
    if isinstance(refs, list):
        for i, item in enumerate(refs):
            if isinstance(item, dict):
                yield (*base, "secretStoreRefs", i), item
    for section in ("data", "dataFrom"):
        items = spec.get(section)
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            store = (
                item.get("sourceRef", {}).get("storeRef")
                if isinstance(item, dict) and isinstance(item.get("sourceRef"), dict)
                else None
            )
            if isinstance(store, dict):
                yield (*base, section, i, "sourceRef", "storeRef"), store


def _sops_rules(ctx: Context) -> list[tuple[int, re.Pattern[str]]]:
    rules = []
    for path in ctx.repo.files.yaml_files:
        if not path.endswith(".sops.yaml") or ("/" in path and path.split("/")[-1] != ".sops.yaml"):
            continue
        if path.split("/")[-1] != ".sops.yaml":
            continue
        parsed = ctx.repo.parsed.get(path)
        data = parsed.docs[0] if parsed and parsed.docs else None
        creation = data.get("creation_rules") if isinstance(data, dict) else None
        base = path.rsplit("/", 1)[0] + "/" if "/" in path else ""
        for index, rule in enumerate(creation if isinstance(creation, list) else []):
            regex = rule.get("path_regex") if isinstance(rule, dict) else None
            if isinstance(regex, str):
                try:
                    rules.append((index, linear(regex), path, base))  # sops runs Go's regexp: RE2 syntax
                except ValueError:
                    continue
    return rules  # type: ignore[return-value]


@check("HL404")
def unencrypted_sops_path(ctx: Context) -> Iterator[Finding]:
    rules: list[Any] = _sops_rules(ctx)
    if not rules:
        return
    for path in ctx.repo.files.yaml_files:
        if path.endswith(".sops.yaml") and path.rsplit("/", 1)[-1] == ".sops.yaml":
            continue
        parsed = ctx.repo.parsed.get(path)
        if parsed is None or not parsed.text_ok or not parsed.docs:
            continue
        for index, regex, config_path, base in rules:
            if not path.startswith(base):
                continue
            rel = path[len(base) :]
            if not regex.search(rel):
                continue
            docs = [d for d in parsed.docs if d is not None]
            if docs and not any(isinstance(d, dict) and sops_encrypted(d) for d in docs):
                yield ctx.finding(
                    "HL404",
                    path,
                    Span(1, 1, 1, 2),
                    f"{path} matches creation rule {index + 1} of {config_path} (path_regex '{regex.pattern}') but is not "
                    "SOPS-encrypted; committing it publishes its values",
                    fix=f"run 'sops encrypt --in-place {path}' before committing (and rotate anything already pushed)",
                    key=f"HL404/{path}",
                    related=[config_path],
                )
            break
