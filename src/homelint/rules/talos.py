"""HL901-HL910: Talos node configuration (talhelper talconfig.yaml, rendered machine configs)
and its agreement with the CNI that Flux deploys."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from homelint.core.context import Context
from homelint.core.model import FILE_START, Finding, K8sObject, Span
from homelint.model.kustomize import KustomizeDir
from homelint.model.schemastore import Schemas
from homelint.model.talos import (
    LOCAL_HOSTS,
    TalosConfig,
    TalosDocument,
    env_files_passed,
    find_talos_configs,
    is_ip,
    networks,
    placeholders_in,
    placeholders_in_text,
    split_endpoint,
    talos_documents,
    truthy,
)
from homelint.model.talosschema import (
    EXTENSIONS_URL,
    TALHELPER_SCHEMA_URL,
    TalosSchema,
    Violation,
    check_document,
    check_talconfig,
    extensions_for,
    minor_of,
    older_minors,
    talos_url,
)
from homelint.rules.common import has_flux
from homelint.rules.registry import check

# Helm charts that install a cluster's CNI (Multus is a meta-plugin next to one: not listed)
CNI_CHARTS = {"cilium", "calico", "tigera-operator", "flannel", "kube-ovn", "antrea", "canal"}


def _span(ctx: Context, path: str, doc: int, keys: tuple[Any, ...], *, key: bool = False) -> Span:
    return ctx.repo.span(path, doc, keys, key=key) if keys else FILE_START


def _talhelper(ctx: Context) -> list[TalosConfig]:
    return [c for c in find_talos_configs(ctx.repo) if c.kind == "talhelper"]


# -- HL901 -------------------------------------------------------------------------------------


@check("HL901")
def undefined_variable(ctx: Context) -> Iterator[Finding]:
    configs = _talhelper(ctx)
    passed = env_files_passed(ctx.repo) if configs else None
    if passed is not None:
        ctx.note(f"{passed} runs talhelper genconfig with --env-file: the env files it names are not modelled (HL901 not judged)")
        return
    for cfg in configs:
        if not cfg.env_files:
            continue  # no talenv file at all: the variables come from the shell (op run, Taskfile env) by design
        where = ", ".join(cfg.env_files)
        fix = "define it in talenv.yaml / talenv.sops.yaml beside talconfig.yaml (or pass --env-file), or escape a literal dollar as $${...}"
        seen: set[tuple[str, str]] = set()
        for keys, text, var, start in placeholders_in(cfg.data):
            if var in cfg.env or (cfg.path, var) in seen:
                continue
            seen.add((cfg.path, var))
            # this use, not an earlier `${VAR:-default}` or `${VAR_LONGER}` in the same string
            needle = "${" + var
            span = ctx.repo.positions.text_span(cfg.path, cfg.doc, keys, needle, nth=text.count(needle, 0, start))
            yield ctx.finding(
                "HL901",
                cfg.path,
                span,
                f"${{{var}}} is not defined in the talhelper env files ({where}); talhelper genconfig fails "
                "on it (or blanks it, in releases before strict envsubst) unless it is exported in the shell",
                fix=fix,
                key=f"HL901/{cfg.path}/{var}",
                related=cfg.env_files,
            )
        for patch in cfg.patches:
            if patch.file is None or patch.missing:
                continue
            for line, column, var in placeholders_in_text(patch.text):
                if var in cfg.env or (patch.file, var) in seen:
                    continue
                seen.add((patch.file, var))
                yield ctx.finding(
                    "HL901",
                    patch.file,
                    Span(line, column, line, column + len(var) + 3),
                    f"${{{var}}} in this patch (used by {cfg.path}) is not defined in the talhelper env files "
                    f"({where}); talhelper envsubsts patch files too",
                    fix=fix,
                    key=f"HL901/{patch.file}/{var}",
                    related=[cfg.path, *cfg.env_files],
                )


# -- HL902 -------------------------------------------------------------------------------------


def _file_refs(value: Any, keys: tuple[Any, ...], inside: bool = False) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _file_refs(v, (*keys, k), inside or k in ("patches", "machineFiles", "extraManifests"))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _file_refs(v, (*keys, i), inside)
    elif inside and isinstance(value, str):
        yield keys, value


@check("HL902")
def missing_file(ctx: Context) -> Iterator[Finding]:
    for cfg in _talhelper(ctx):
        for keys, value in _file_refs(cfg.data, ()):
            text = value.strip()
            if "\n" in text or "${" in text:
                continue
            in_manifests = "extraManifests" in keys
            if text.startswith("@"):
                rel = text[1:].strip()
            elif in_manifests and "://" not in text:
                rel = text
            else:
                continue
            target = posixpath.normpath(posixpath.join(cfg.dir, rel))
            if target.startswith("../") or ctx.repo.read_bytes(target) is not None:
                continue
            yield ctx.finding(
                "HL902",
                cfg.path,
                ctx.repo.span(cfg.path, cfg.doc, keys),
                f"'{value}' names {target}, which does not exist; talhelper resolves it relative to "
                f"{cfg.dir or 'the repository root'} and genconfig fails",
                fix="fix the path (relative to the folder of talconfig.yaml) or add the file",
                key=f"HL902/{cfg.path}/{target}",
            )


# -- HL903, HL904, HL905 -----------------------------------------------------------------------


@check("HL903")
def duplicate_node(ctx: Context) -> Iterator[Finding]:
    for cfg in _talhelper(ctx):
        for attr, field_name in (("hostname", "hostname"), ("ip", "ipAddress")):
            first: dict[str, int] = {}
            for node in cfg.nodes:
                raw = getattr(node, attr)
                value = cfg.resolve(raw)
                if not value or "${" in value:
                    continue
                if value in first:
                    yield ctx.finding(
                        "HL903",
                        cfg.path,
                        ctx.repo.span(cfg.path, cfg.doc, (*node.keys, field_name)),
                        f"node {field_name} '{value}' is also used by nodes[{first[value]}]; talhelper writes one "
                        "config file per hostname and two machines with one address break etcd and the API",
                        fix=f"give every node its own {field_name}",
                        key=f"HL903/{cfg.path}/{field_name}/{value}",
                    )
                else:
                    first[value] = node.keys[1]


@check("HL904")
def even_control_planes(ctx: Context) -> Iterator[Finding]:
    for cfg in _talhelper(ctx):
        planes = [n for n in cfg.nodes if n.control_plane]
        if planes and len(planes) % 2 == 0:
            yield ctx.finding(
                "HL904",
                cfg.path,
                ctx.repo.span(cfg.path, cfg.doc, (*planes[-1].keys, "controlPlane")),
                f"{len(planes)} control-plane nodes: etcd needs a majority, so {len(planes)} nodes tolerate no more "
                f"failures than {len(planes) - 1}",
                fix="run an odd number of control-plane nodes (1, 3, 5)",
                key=f"HL904/{cfg.path}",
            )


@check("HL905")
def endpoint_not_control_plane(ctx: Context) -> Iterator[Finding]:
    for cfg in _talhelper(ctx):
        endpoint = cfg.endpoint()
        if not isinstance(endpoint.value, str):
            continue
        host, _ = split_endpoint(cfg.resolve(endpoint.value))
        if not is_ip(host):
            continue  # a DNS name: nothing to compare offline
        planes = {cfg.resolve(n.ip) for n in cfg.nodes if n.control_plane and n.ip}
        vips = {cfg.resolve(v) for v in cfg.vips}
        if not planes or any("${" in a for a in planes | vips):
            continue
        if host in planes or host in vips:
            continue
        yield ctx.finding(
            "HL905",
            cfg.path,
            ctx.repo.span(cfg.path, cfg.doc, endpoint.keys),
            f"the cluster endpoint {host} is neither a control-plane node address ({', '.join(sorted(planes))}) "
            f"nor a VIP configured on one{' (' + ', '.join(sorted(vips)) + ')' if vips else ''}; kubelets and "
            "talosctl cannot reach the API server unless a load balancer outside this config serves it",
            fix="point endpoint at a control-plane IP, a VIP (networkInterfaces[].vip.ip, or a control-plane patch's "
            "machine.network.interfaces[].vip.ip or Layer2VIPConfig) or a load balancer name",
            key=f"HL905/{cfg.path}",
        )


# -- HL906 -------------------------------------------------------------------------------------


@check("HL906")
def unpinned_version(ctx: Context) -> Iterator[Finding]:
    for cfg in _talhelper(ctx):
        for key in ("talosVersion", "kubernetesVersion"):
            raw = cfg.data.get(key)
            value = cfg.resolve(raw) if isinstance(raw, str) else raw
            if raw is None:
                message = f"{key} is not set: talhelper falls back to the default of its own release, so the version changes with the talhelper you run"
                keys: tuple[Any, ...] = ()
            elif isinstance(value, str) and value.strip().lower() in ("latest", ""):
                message = f"{key} is '{value}': the version depends on when the config is generated"
                keys = (key,)
            else:
                continue
            yield ctx.finding(
                "HL906",
                cfg.path,
                _span(ctx, cfg.path, cfg.doc, keys),
                message,
                fix=f"pin {key} to a release (e.g. v1.x.y) and let Renovate bump it",
                key=f"HL906/{cfg.path}/{key}",
            )
        for keys, value in _image_urls(cfg.data, ()):
            image = cfg.resolve(value)
            if "${" in image or "@sha256:" in image:
                continue
            last = image.rsplit("/", 1)[-1]
            tag = last.split(":", 1)[1] if ":" in last else None
            if tag == "latest":
                yield ctx.finding(
                    "HL906",
                    cfg.path,
                    ctx.repo.span(cfg.path, cfg.doc, keys),
                    f"installer image '{image}' uses the latest tag: every install or upgrade may get a different Talos",
                    fix="use the tag of talosVersion, or leave the tag off so talhelper appends talosVersion",
                    key=f"HL906/{cfg.path}/{'.'.join(map(str, keys))}",
                )


def _image_urls(value: Any, keys: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            if k in ("talosImageURL", "image") and isinstance(v, str) and "installer" in v:
                yield (*keys, k), v
            else:
                yield from _image_urls(v, (*keys, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _image_urls(v, (*keys, i))


# -- across Talos and Flux ---------------------------------------------------------------------


@dataclass
class CniRelease:
    obj: K8sObject
    chart: str
    values: dict[str, Any] = field(default_factory=dict)
    # dotted value path -> (file, doc, field path) where it is set
    origin: dict[str, tuple[str, int, tuple[Any, ...]]] = field(default_factory=dict)

    def get(self, dotted: str) -> Any:
        data: Any = self.values
        for part in dotted.split("."):
            if not isinstance(data, dict):
                return None
            data = data.get(part)
        return data

    def where(self, ctx: Context, dotted: str) -> tuple[str, Span]:
        origin = self.origin.get(dotted)
        if origin is None:
            return self.obj.path, ctx.repo.obj_span(self.obj, "spec", "values")
        path, doc, keys = origin
        return path, ctx.repo.span(path, doc, keys)


def _chart_name(ctx: Context, obj: K8sObject) -> str | None:
    chart = obj.spec.get("chart")
    spec = chart.get("spec") if isinstance(chart, dict) else None
    if isinstance(spec, dict) and isinstance(spec.get("chart"), str):
        return spec["chart"].rsplit("/", 1)[-1]
    ref = obj.spec.get("chartRef")
    if isinstance(ref, dict) and isinstance(ref.get("name"), str):
        for source in ctx.repo.objects_by_kind_name.get((ref.get("kind") or "OCIRepository", ref["name"]), []):
            url = source.spec.get("url")
            if isinstance(url, str):
                return url.rstrip("/").rsplit("/", 1)[-1]
        return ref["name"]
    return None


def _record(values: Any, path: str, doc: int, keys: tuple[Any, ...], prefix: str, origin: dict[str, Any]) -> None:
    if isinstance(values, dict):
        for k, v in values.items():
            dotted = f"{prefix}.{k}" if prefix else str(k)
            origin[dotted] = (path, doc, (*keys, k))
            _record(v, path, doc, (*keys, k), dotted, origin)


def _merge(into: dict[str, Any], new: dict[str, Any]) -> None:
    for k, v in new.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            _merge(into[k], v)
        else:
            into[k] = v


Generators = dict[str, list[tuple[KustomizeDir, dict[str, Any]]]]


def _generators(ctx: Context) -> Generators:
    """The configMapGenerator entries of every kustomization, by the name of the ConfigMap (in the
    order of the kustomizations, then of their entries): found once, not per CNI release."""
    out: Generators = {}
    for kd in ctx.repo.kustomize_dirs.values():
        for gen in kd.data.get("configMapGenerator") or []:
            if isinstance(gen, dict) and isinstance(gen.get("name"), str):
                out.setdefault(gen["name"], []).append((kd, gen))
    return out


def _values_from(ctx: Context, obj: K8sObject, rel: CniRelease, generators: Generators) -> None:
    """Chart values of `valuesFrom` ConfigMaps a kustomize configMapGenerator makes from a file."""
    for item in obj.spec.get("valuesFrom") or []:
        if not isinstance(item, dict) or item.get("kind", "ConfigMap") != "ConfigMap" or not isinstance(item.get("name"), str):
            continue
        key = item.get("valuesKey") or "values.yaml"
        if isinstance(key, str):  # a Flux postBuild default such as ${CLUSTER_NAME:=main}.yaml
            key = re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?[=-]([^}]*)\}", r"\1", key)
        for kd, gen in generators.get(item["name"], []):
            for entry in gen.get("files") or []:
                if not isinstance(entry, str):
                    continue
                name, _, rel_path = entry.partition("=") if "=" in entry else (posixpath.basename(entry), "", entry)
                if name != key:
                    continue
                target = posixpath.normpath(posixpath.join(kd.dir, rel_path))
                parsed = ctx.repo.parsed.get(target)
                for index, doc in enumerate(parsed.docs if parsed else []):
                    if isinstance(doc, dict):
                        _merge(rel.values, doc)
                        _record(doc, target, index, (), "", rel.origin)


def cni_releases(ctx: Context) -> list[CniRelease]:
    if not has_flux(ctx):
        return []
    out: list[CniRelease] = []
    seen: set[int] = set()
    generators: Generators | None = None  # made for the first CNI release
    for applied in ctx.flux.applied:
        obj = applied.obj
        if obj.kind != "HelmRelease" or id(obj) in seen:
            continue
        seen.add(id(obj))
        chart = _chart_name(ctx, obj)
        if chart not in CNI_CHARTS:
            continue
        rel = CniRelease(obj, chart)
        if generators is None:
            generators = _generators(ctx)
        _values_from(ctx, obj, rel, generators)
        values = obj.spec.get("values")
        if isinstance(values, dict):
            _merge(rel.values, values)
            origin: dict[str, Any] = {}
            _record(values, obj.path, obj.doc, ("spec", "values"), "", origin)
            rel.origin.update(origin)
        out.append(rel)
    return out


def _common(a: str, b: str) -> int:
    """How many leading folders the paths of two files share."""
    shared = posixpath.commonpath([posixpath.dirname(a), posixpath.dirname(b)])
    return len([p for p in shared.split("/") if p])


def cluster_configs(ctx: Context) -> list[TalosConfig]:
    """One Talos config per cluster folder: each talhelper config, and rendered machine configs
    outside talhelper folders (one per folder, a control-plane one first)."""
    everything = find_talos_configs(ctx.repo)
    helpers = [c for c in everything if c.kind == "talhelper"]
    out = list(helpers)
    by_dir: dict[str, TalosConfig] = {}
    for cfg in everything:
        if cfg.kind != "machineconfig" or any(_inside(cfg.path, h.dir) for h in helpers):
            continue
        machine_type = (cfg.data.get("machine") or {}).get("type")
        current = by_dir.get(cfg.dir)
        if current is None or (
            machine_type in ("controlplane", "init") and (current.data.get("machine") or {}).get("type") == "worker"
        ):
            by_dir[cfg.dir] = cfg
    return out + list(by_dir.values())


def _inside(path: str, folder: str) -> bool:
    return not folder or path.startswith(folder.rstrip("/") + "/")


def encrypted(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("ENC[")


def paired(ctx: Context) -> list[tuple[TalosConfig, CniRelease]]:
    """Each Talos config with the CNI releases of its cluster: with one Talos config in the
    repository, every CNI release; with several, the releases closest to each in the tree (none
    when that is ambiguous). Paired once per run for the four checks that ask (a new list each
    time; the configs and releases are not to be changed)."""
    return list(ctx.repo.memo("talos-cni-pairs", lambda: _pairs(ctx)))


def _pairs(ctx: Context) -> list[tuple[TalosConfig, CniRelease]]:
    configs = cluster_configs(ctx)
    releases = cni_releases(ctx) if configs else []
    if not configs or not releases:
        return []
    if len(configs) == 1:
        return [(configs[0], r) for r in releases]
    out = []
    for rel in releases:
        scores = [(_common(cfg.path, rel.obj.path), cfg) for cfg in configs]
        best = max(s for s, _ in scores)
        winners = [cfg for s, cfg in scores if s == best]
        if best > 0 and len(winners) == 1:
            out.append((winners[0], rel))
    return out


def _talos_at(ctx: Context, cfg: TalosConfig, setting: Any, fallback: tuple[Any, ...]) -> tuple[str, Span]:
    if cfg.kind == "machineconfig":
        fallback = ("cluster",)
    if setting.path is not None:
        return setting.path, _span(ctx, setting.path, setting.doc, setting.keys)
    return cfg.path, _span(ctx, cfg.path, cfg.doc, fallback)


@check("HL907")
def cni_conflict(ctx: Context) -> Iterator[Finding]:
    for cfg, rel in paired(ctx):
        setting = cfg.cni_name()
        name = cfg.resolve(setting.value)
        if not isinstance(name, str) or "${" in name or encrypted(name) or name == "none":
            continue
        if name == "custom" and _custom_installs(cfg, rel.chart):
            continue  # Talos bootstraps the same CNI from its manifests and Flux adopts it afterwards
        path, span = _talos_at(ctx, cfg, setting, ("clusterName",))
        default = " (the Talos default when cniConfig is not set)" if setting.path is None else ""
        yield ctx.finding(
            "HL907",
            path,
            span,
            f"Talos installs the '{name}' CNI{default}, while Flux deploys {rel.chart} (HelmRelease {rel.obj.name} in "
            f"{rel.obj.path}); two CNIs fight over pod networking",
            fix="set cniConfig: {name: none} in talconfig.yaml (cluster.network.cni.name: none in a machine config)",
            key=f"HL907/{cfg.path}/{rel.obj.path}",
            related=[rel.obj.path],
        )


def _custom_installs(cfg: TalosConfig, chart: str) -> bool:
    """Whether a `custom` CNI's URLs (or talhelper's cniConfig.urls) name the chart Flux deploys."""
    urls: list[Any] = []
    for keys in (("cniConfig", "urls"), ("cluster", "network", "cni", "urls")):
        node: Any = cfg.data
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        urls += node if isinstance(node, list) else []
    for patch in cfg.patches:
        for doc in patch.docs:
            node = doc
            for key in ("cluster", "network", "cni", "urls"):
                node = node.get(key) if isinstance(node, dict) else None
            urls += node if isinstance(node, list) else []
    names = {chart, "calico"} if chart == "tigera-operator" else {chart}
    return any(isinstance(u, str) and any(n in u.lower() for n in names) for u in urls)


@check("HL908")
def kube_proxy_conflict(ctx: Context) -> Iterator[Finding]:
    for cfg, rel in paired(ctx):
        if rel.chart != "cilium" or not truthy(rel.get("kubeProxyReplacement")):
            continue
        setting = cfg.proxy_disabled()
        if truthy(cfg.resolve(setting.value)) or encrypted(setting.value):
            continue
        path, span = _talos_at(ctx, cfg, setting, ("clusterName",))
        yield ctx.finding(
            "HL908",
            path,
            span,
            f"Cilium replaces kube-proxy (kubeProxyReplacement in HelmRelease {rel.obj.name}, {rel.obj.path}), but "
            "Talos still runs kube-proxy (cluster.proxy.disabled is not true): both program service rules",
            fix="add a patch: cluster: {proxy: {disabled: true}}",
            key=f"HL908/{cfg.path}/{rel.obj.path}",
            related=[rel.obj.path],
        )


def _covered(inner: Any, outer: list[Any]) -> bool:
    return any(inner.version == o.version and inner.subnet_of(o) for o in outer)


@check("HL909")
def cidr_mismatch(ctx: Context) -> Iterator[Finding]:
    for cfg, rel in paired(ctx):
        if rel.chart != "cilium":
            continue
        pod_setting = cfg.pod_nets()
        raw = pod_setting.value
        raw = [cfg.resolve(v) for v in raw] if isinstance(raw, list) else cfg.resolve(raw)
        if "${" in str(raw) or "ENC[" in str(raw):
            continue
        pods = networks(raw)
        if not pods:
            continue
        talos_where = f"{pod_setting.path}" if pod_setting.path else "the Talos default"
        checks: list[tuple[str, Any, str]] = []
        routing = rel.get("ipv4NativeRoutingCIDR")
        if isinstance(routing, str) and "${" not in routing:
            checks.append(("ipv4NativeRoutingCIDR", routing, "contain"))
        mode = rel.get("ipam.mode") or "cluster-pool"
        if mode == "cluster-pool":
            pool = rel.get("ipam.operator.clusterPoolIPv4PodCIDRList")
            if pool is not None and "${" not in str(pool):
                checks.append(("ipam.operator.clusterPoolIPv4PodCIDRList", pool, "within"))
        for dotted, value, how in checks:
            nets = networks(value)
            if not nets:
                continue
            v4pods = [p for p in pods if p.version == 4]
            if how == "contain":
                ok = all(_covered(p, nets) for p in v4pods)
            else:
                ok = all(_covered(n, pods) for n in nets if n.version == 4)
            if ok:
                continue
            path, span = rel.where(ctx, dotted)
            shown = ", ".join(str(p) for p in pods)
            relation = "does not contain" if how == "contain" else "is not inside"
            yield ctx.finding(
                "HL909",
                path,
                span,
                f"Cilium {dotted} {value} {relation} the Talos pod CIDR {shown} (from {talos_where}); "
                + (
                    "pod traffic outside it is masqueraded or dropped"
                    if how == "contain"
                    else "pods get addresses the cluster does not route"
                ),
                fix="make the Cilium values and talconfig clusterPodNets (cluster.network.podSubnets) agree",
                key=f"HL909/{rel.obj.path}/{dotted}",
                related=[cfg.path, *([pod_setting.path] if pod_setting.path else [])],
            )


@check("HL910")
def cni_api_endpoint(ctx: Context) -> Iterator[Finding]:
    for cfg, rel in paired(ctx):
        if rel.chart != "cilium":
            continue
        host = rel.get("k8sServiceHost")
        if not isinstance(host, str) or "${" in host or host == "auto":
            continue
        port_raw = rel.get("k8sServicePort")
        port = int(port_raw) if isinstance(port_raw, int) or (isinstance(port_raw, str) and port_raw.isdigit()) else None
        endpoint = cfg.endpoint()
        if not isinstance(endpoint.value, str):
            continue
        ep = cfg.resolve(endpoint.value)
        if "${" in ep or encrypted(ep):
            continue
        ep_host, ep_port = split_endpoint(ep)
        prism_on, prism_port = cfg.kubeprism().value
        allowed = [(ep_host, ep_port)]
        if prism_on:
            allowed += [(h, int(prism_port) if str(prism_port).isdigit() else 7445) for h in LOCAL_HOSTS]
        if any(host == h and (port is None or port == p) for h, p in allowed):
            continue
        path, span = rel.where(ctx, "k8sServiceHost")
        prism = f", or KubePrism at localhost:{prism_port}" if prism_on else " (KubePrism is disabled)"
        yield ctx.finding(
            "HL910",
            path,
            span,
            f"Cilium reaches the API server at {host}:{port if port is not None else '?'}, but the Talos endpoint is "
            f"{ep_host}:{ep_port}{prism}; with kube-proxy replaced, Cilium cannot start without the API server",
            fix=f"set k8sServiceHost/k8sServicePort to {ep_host}/{ep_port}" + (f" or localhost/{prism_port}" if prism_on else ""),
            key=f"HL910/{rel.obj.path}",
            related=[cfg.path],
        )


# -- HL911-HL915: schemas, deprecations, upgrade preview, extensions ----------------------------


class _TalosSchemas:
    """The Talos and talhelper schemas of the store, read once per run; one note per missing one."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store = Schemas(ctx.config, ctx.repo.root)
        self._talos: dict[str, TalosSchema | None] = {}
        self.missing: dict[str, list[str | Callable[[], str]]] = {}

    def document(self, url: str, place: str | Callable[[], str]) -> Any:
        if self.store.ignored(url):
            return None
        found = self.store.document(url)
        if not isinstance(found, dict):
            self.missing.setdefault(url, []).append(place)
            return None
        return found

    def talos(self, minor: str, place: Callable[[], str] | None = None) -> TalosSchema | None:
        if minor not in self._talos:
            url = talos_url(minor)
            found = self.store.document(url) if not self.store.ignored(url) else None
            self._talos[minor] = TalosSchema(minor, found) if isinstance(found, dict) else None
        if self._talos[minor] is None and place is not None:
            self.missing.setdefault(talos_url(minor), []).append(place)  # the place is computed for the note only
        return self._talos[minor]

    def around(self, minor: str) -> tuple[list[TalosSchema], list[TalosSchema]]:
        """(older, newer) Talos schemas the store has near a minor, nearest first."""
        older = [s for m in older_minors(minor, 3) if (s := self.talos(m)) is not None]
        major, low = (int(p) for p in minor.split("."))
        newer = [s for m in (f"{major}.{low + i}" for i in (1, 2, 3)) if (s := self.talos(m)) is not None]
        return older, newer

    def emit(self) -> None:
        for url, places in sorted(self.missing.items()):
            more = f" and {len(places) - 1} more place{'s' if len(places) > 2 else ''}" if len(places) > 1 else ""
            first = places[0]() if callable(places[0]) else places[0]
            self.ctx.note(f"schema not in the store: {url} (needed at {first}{more}); run homelint schemas pull")


def _doc_span(ctx: Context, item: TalosDocument, at: tuple[Any, ...], *, key: bool) -> Span:
    if item.inline:
        needle = f"{at[-1]}:" if at and key and isinstance(at[-1], str) else None
        if needle is not None:
            return ctx.repo.positions.text_span(item.path, item.doc, item.keys, needle)
        return ctx.repo.span(item.path, item.doc, item.keys)
    return ctx.repo.span(item.path, item.doc, (*item.keys, *at), key=key and bool(at))


def _place(ctx: Context, item: TalosDocument) -> str:
    return f"{item.path}:{_doc_span(ctx, item, (), key=False).line}"


def _talos_violations(
    schemas: _TalosSchemas, item: TalosDocument, minor: str, place: Callable[[], str]
) -> list[Violation] | None:
    schema = schemas.talos(minor, place)
    if schema is None:
        return None
    older, newer = schemas.around(minor)
    return list(check_document(schema, item.data, older, newer, talhelper=item.talhelper))


@check("HL911", "HL912", "HL913", "HL914", "HL915")
def talos_schemas(ctx: Context) -> Iterator[Finding]:
    schemas = _TalosSchemas(ctx)
    found: dict[tuple[Any, ...], Finding] = {}
    for finding in _talos_schema_findings(ctx, schemas):
        found.setdefault((finding.rule, finding.path, finding.span, finding.message), finding)
    schemas.emit()
    yield from found.values()


def _talos_schema_findings(ctx: Context, schemas: _TalosSchemas) -> Iterator[Finding]:
    if "HL911" in ctx.enabled:
        yield from _talconfig_schema(ctx, schemas)
    if "HL915" in ctx.enabled:
        yield from _extensions(ctx, schemas)
    if not any(r in ctx.enabled for r in ("HL912", "HL913", "HL914")):
        return
    target = minor_of(ctx.config.targets.get("talos"))
    for item in talos_documents(ctx.repo):
        minor = minor_of(item.version)
        if minor is None:
            continue
        place = partial(_place, ctx, item)
        today = _talos_violations(schemas, item, minor, place)
        if today is None:
            continue
        for violation in today:
            if violation.kind == "deprecated":
                rule = "HL913"
            elif violation.kind in ("unknown", "unknown-unsure", "type", "kind"):
                rule = "HL912"
            else:
                continue
            if rule not in ctx.enabled:
                continue
            finding = ctx.finding(
                rule,
                item.path,
                _doc_span(ctx, item, violation.at, key=violation.key),
                violation.message,
                fix=_FIX[violation.kind],
                key=f"{rule}/{item.doc}/{'.'.join(map(str, (*item.keys, *violation.at)))}/{violation.kind}",
            )
            if violation.kind == "unknown-unsure":
                finding.severity = "warning"
            yield finding
        if target is None or target == minor or "HL914" not in ctx.enabled:
            continue
        later = _talos_violations(schemas, item, target, place)
        if later is None:
            continue
        before = {(v.kind, v.at) for v in today}
        for violation in later:
            if (violation.kind, violation.at) in before or violation.kind == "unknown-unsure":
                continue
            yield ctx.finding(
                "HL914",
                item.path,
                _doc_span(ctx, item, violation.at, key=violation.key),
                f"upgrading Talos {minor} -> {target}: {violation.message}",
                fix=f"adapt the document before the upgrade (see the Talos {target} upgrade notes)",
                key=f"HL914/{item.doc}/{'.'.join(map(str, (*item.keys, *violation.at)))}/{violation.kind}",
            )


_FIX = {
    "unknown": "remove or correct the field (a typo, a field at the wrong level, or one the pinned Talos does not have yet)",
    "unknown-unsure": "run homelint schemas pull (it fetches the previous Talos schemas too) or check the field's spelling",
    "type": "write the value in the type the schema names (quote it, or use a list / mapping)",
    "kind": "upgrade Talos first, or drop the document",
    "deprecated": "move the setting to the document named; Talos keeps accepting the old field for now",
}


def _talconfig_schema(ctx: Context, schemas: _TalosSchemas) -> Iterator[Finding]:
    for cfg in _talhelper(ctx):
        schema = schemas.document(TALHELPER_SCHEMA_URL, f"{cfg.path}:1")
        if schema is None:
            continue
        for violation in check_talconfig(schema, cfg.data):
            finding = ctx.finding(
                "HL911",
                cfg.path,
                ctx.repo.span(cfg.path, cfg.doc, violation.at, key=violation.key),
                violation.message,
                fix="fix the field name or level (see talhelper's talconfig.json)"
                if violation.kind == "unknown"
                else "write the value in the type talhelper expects",
                key=f"HL911/{'.'.join(map(str, violation.at))}/{violation.kind}",
            )
            if violation.kind == "unknown":
                finding.severity = "warning"  # talhelper ignores it: lost configuration, not a failure
            yield finding


def _extensions(ctx: Context, schemas: _TalosSchemas) -> Iterator[Finding]:
    for cfg in _talhelper(ctx):
        version = cfg.resolve(cfg.data.get("talosVersion"))
        if not isinstance(version, str) or "${" in version or minor_of(version) is None:
            continue
        factory = cfg.data.get("imageFactory")
        registry = factory.get("registryURL") if isinstance(factory, dict) else None
        if registry not in (None, "factory.talos.dev"):
            continue  # talhelper checks schematics only against the official Image Factory
        nodes = cfg.data.get("nodes")
        some_skip = any(isinstance(n, dict) and n.get("noSchematicValidate") is True for n in nodes or [])
        # a controlPlane/worker schematic is inherited by nodes, some of which may skip the check
        uses = [(k, n, s or (k[0] != "nodes" and some_skip)) for k, n, s in _schematic_extensions(cfg.data, ())]
        if not uses:
            continue
        data = schemas.document(EXTENSIONS_URL, f"{cfg.path}:{ctx.repo.span(cfg.path, cfg.doc, uses[0][0]).line}")
        known = extensions_for(data, version) if data is not None else None
        if not known:
            continue
        for keys, name, skip in uses:
            resolved = cfg.resolve(name)
            if skip or "${" in resolved or resolved in known:
                continue
            yield ctx.finding(
                "HL915",
                cfg.path,
                ctx.repo.span(cfg.path, cfg.doc, keys),
                f"system extension '{resolved}' is not in talhelper's extension list for Talos {version}: "
                "talhelper genconfig rejects the schematic (and Image Factory has no such extension)",
                fix="use an official extension name (siderolabs/<name>) available for this Talos version, "
                "or set noSchematicValidate: true on the node for a custom one",
                key=f"HL915/{'.'.join(map(str, keys))}/{resolved}",
            )


def _schematic_extensions(data: Any, keys: tuple[Any, ...], skip: bool = False) -> Iterator[tuple[tuple[Any, ...], str, bool]]:
    """(field path, name, validation disabled) of each officialExtensions entry of every schematic."""
    if isinstance(data, dict):
        skip = skip or data.get("noSchematicValidate") is True
        for k, v in data.items():
            if k == "schematic" and isinstance(v, dict):
                custom = v.get("customization")
                system = custom.get("systemExtensions") if isinstance(custom, dict) else None
                names = system.get("officialExtensions") if isinstance(system, dict) else None
                for i, name in enumerate(names if isinstance(names, list) else []):
                    if isinstance(name, str):
                        yield (*keys, k, "customization", "systemExtensions", "officialExtensions", i), name, skip
            else:
                yield from _schematic_extensions(v, (*keys, k), skip)
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _schematic_extensions(v, (*keys, i), skip)
