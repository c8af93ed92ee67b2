"""Talos node configuration: talhelper `talconfig.yaml` files, their env files and patches,
rendered machine config documents, and the cluster settings they pin (for the HL9xx rules).

talhelper's behaviour modelled here (budimanjojo/talhelper):
- `genconfig --env-file` defaults to talenv.yaml, talenv.sops.yaml, talenv.yml, talenv.sops.yml
  beside the config (cmd/genconfig.go); their keys are loaded into the environment
  (pkg/substitute/envsubst.go `LoadEnv`), so a SOPS file's keys are readable without decrypting.
- talconfig.yaml and `@file` patch contents are passed through a8m/envsubst with comments stripped
  (`SubstituteEnvFromByte`, `SubstituteFileContent`); `$$` escapes a dollar sign.
- `@path` values under `patches`, `extraManifests` and `machineFiles` are relative to the
  talconfig.yaml folder (pkg/substitute/pathsubst.go).
"""

from __future__ import annotations

import ipaddress
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from homelint.core.model import dig
from homelint.core.regex import linear
from homelint.loading.yamlload import parse_bytes

CONFIG_NAMES = ("talconfig.yaml", "talconfig.yml")
ENV_NAMES = ("talenv.yaml", "talenv.sops.yaml", "talenv.yml", "talenv.sops.yml")
# ${VAR} and ${VAR<op>default}; `$${` is an escaped dollar
PLACEHOLDER = re.compile(r"(?<!\$)\$\{([^}:\-=+?]*)([:\-=+?][^}]*)?\}")
PATH_KEYS = ("patches", "extraManifests", "machineFiles")
TALOS_DEFAULT_POD = ["10.244.0.0/16"]
TALOS_DEFAULT_SVC = ["10.96.0.0/12"]
KUBEPRISM_PORT = 7445
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


@dataclass
class Patch:
    keys: tuple[Any, ...]  # field path of the entry in talconfig.yaml
    file: str | None  # repo path of an `@file` patch (None: inline)
    docs: list[Any]
    text: str
    missing: bool = False


@dataclass
class Node:
    keys: tuple[Any, ...]
    hostname: str | None
    ip: str | None
    control_plane: bool


@dataclass
class Setting:
    """A Talos cluster setting and where it is set (path, doc, keys); path None: Talos default."""

    value: Any
    path: str | None = None
    doc: int = 0
    keys: tuple[Any, ...] = ()


@dataclass
class TalosConfig:
    path: str
    doc: int
    data: dict[str, Any]
    kind: str  # "talhelper" | "machineconfig"
    env: dict[str, str] = field(default_factory=dict)  # variable -> env file defining it
    env_values: dict[str, str] = field(default_factory=dict)  # values of plain (not SOPS) env files
    env_files: list[str] = field(default_factory=list)
    patches: list[Patch] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    vips: set[str] = field(default_factory=set)

    def resolve(self, value: Any) -> Any:
        """`value` with the placeholders a plain env file defines substituted."""
        if not isinstance(value, str):
            return value
        return PLACEHOLDER.sub(lambda m: self.env_values.get(m.group(1), m.group(0)), value)

    @property
    def dir(self) -> str:
        return posixpath.dirname(self.path)

    # -- effective settings (talhelper fields, then patches, then Talos defaults) -------------
    def _from_patches(self, *keys: str) -> Setting | None:
        found = None
        for patch in self.patches:
            for index, doc in enumerate(patch.docs):
                value = dig(doc, keys)
                if value is not None:
                    found = Setting(
                        value, patch.file or self.path, index if patch.file else self.doc, keys if patch.file else patch.keys
                    )
                for op in doc if isinstance(doc, list) else []:
                    if isinstance(op, dict) and op.get("path") == "/" + "/".join(keys) and op.get("op") in ("add", "replace"):
                        found = Setting(op.get("value"), patch.file or self.path, index if patch.file else self.doc, patch.keys)
        return found

    def setting(self, talhelper_key: str | None, *keys: str, default: Any = None) -> Setting:
        if self.kind == "machineconfig":
            value = dig(self.data, keys)
            return Setting(value, self.path, self.doc, keys) if value is not None else Setting(default)
        patched = self._from_patches(*keys)
        if patched is not None:
            return patched
        if talhelper_key:
            parts = tuple(talhelper_key.split("."))
            value = dig(self.data, parts)
            if value is not None:
                return Setting(value, self.path, self.doc, parts)
        return Setting(default)

    def endpoint(self) -> Setting:
        if self.kind == "machineconfig":
            return self.setting(None, "cluster", "controlPlane", "endpoint")
        value = self.data.get("endpoint")
        return Setting(value, self.path, self.doc, ("endpoint",)) if isinstance(value, str) else Setting(None)

    def cni_name(self) -> Setting:
        return self.setting("cniConfig.name", "cluster", "network", "cni", "name", default="flannel")

    def proxy_disabled(self) -> Setting:
        return self.setting(None, "cluster", "proxy", "disabled", default=False)

    def pod_nets(self) -> Setting:
        return self.setting("clusterPodNets", "cluster", "network", "podSubnets", default=TALOS_DEFAULT_POD)

    def svc_nets(self) -> Setting:
        return self.setting("clusterSvcNets", "cluster", "network", "serviceSubnets", default=TALOS_DEFAULT_SVC)

    def kubeprism(self) -> Setting:
        """KubePrism is on by default since Talos 1.6 (machine.features.kubePrism)."""
        enabled = self.setting(None, "machine", "features", "kubePrism", "enabled", default=True)
        port = self.setting(None, "machine", "features", "kubePrism", "port", default=KUBEPRISM_PORT)
        return Setting((truthy(enabled.value), port.value), enabled.path, enabled.doc, enabled.keys)


def truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "strict"))


def _env_keys(docs: list[Any]) -> list[str]:
    out: list[str] = []
    for doc in docs:
        if isinstance(doc, dict):
            out.extend(str(k) for k in doc if k != "sops")
    return out


def _parse_patch_text(text: str) -> list[Any]:
    parsed = parse_bytes("<patch>", text.encode())
    return [d for d in parsed.docs if d is not None]


def _items(value: Any) -> list[tuple[int, Any]]:
    return list(enumerate(value)) if isinstance(value, list) else []


def _collect_patches(repo: Any, cfg: TalosConfig) -> None:
    data = cfg.data

    def add(entries: Any, base: tuple[Any, ...]) -> None:
        for i, entry in _items(entries):
            keys = (*base, i)
            if not isinstance(entry, str):
                if isinstance(entry, dict | list):
                    cfg.patches.append(Patch(keys, None, [entry], ""))
                continue
            if entry.startswith("@"):
                target = posixpath.normpath(posixpath.join(cfg.dir, entry[1:].strip()))
                parsed = repo.parsed.get(target)
                text = repo.read_text(target)
                if text is None:
                    cfg.patches.append(Patch(keys, target, [], "", missing=True))
                    continue
                docs = [d for d in parsed.docs if d is not None] if parsed else _parse_patch_text(text)
                cfg.patches.append(Patch(keys, target, docs, text))
            else:
                cfg.patches.append(Patch(keys, None, _parse_patch_text(entry), entry))

    add(data.get("patches"), ("patches",))
    for group in ("controlPlane", "worker"):
        section = data.get(group)
        if isinstance(section, dict):
            add(section.get("patches"), (group, "patches"))
    for i, node in _items(data.get("nodes")):
        if isinstance(node, dict):
            add(node.get("patches"), ("nodes", i, "patches"))


def _collect_nodes(cfg: TalosConfig) -> None:
    for i, node in _items(cfg.data.get("nodes")):
        if not isinstance(node, dict):
            continue
        host, ip = node.get("hostname"), node.get("ipAddress")
        cfg.nodes.append(
            Node(
                ("nodes", i),
                host if isinstance(host, str) else None,
                ip if isinstance(ip, str) else None,
                truthy(node.get("controlPlane")),
            )
        )
        cfg.vips.update(_interface_vips(node.get("networkInterfaces")))


def _interface_vips(interfaces: Any) -> list[str]:
    """`vip.ip` of each interface (talhelper networkInterfaces, Talos machine.network.interfaces)
    and of each of its `vlans`."""
    found: list[str] = []
    for iface in interfaces if isinstance(interfaces, list) else []:
        if not isinstance(iface, dict):
            continue
        vlans = iface.get("vlans")
        for holder in [iface, *[v for v in vlans if isinstance(v, dict)]] if isinstance(vlans, list) else [iface]:
            vip = holder.get("vip")
            if isinstance(vip, dict) and isinstance(vip.get("ip"), str):
                found.append(vip["ip"])
    return found


# Talos 1.12 VIP documents: `name` is the address (Layer2VIPConfig, HCloudVIPConfig)
VIP_KINDS = ("Layer2VIPConfig", "HCloudVIPConfig")


def _patch_vips(doc: Any) -> list[str]:
    """VIP addresses a patch document configures: machine.network.interfaces[] (and vlans[]) vip.ip
    of a strategic merge patch, the same under an RFC 6902 add/replace of /machine/network..., or
    the `name` of a Talos 1.12 VIP config document."""
    if isinstance(doc, dict):
        if doc.get("kind") in VIP_KINDS and isinstance(doc.get("name"), str):
            return [doc["name"]]
        return _interface_vips(dig(doc, ("machine", "network", "interfaces")))
    found: list[str] = []
    for op in doc if isinstance(doc, list) else []:
        if not isinstance(op, dict) or op.get("op") not in ("add", "replace") or not isinstance(op.get("path"), str):
            continue
        path, value = op["path"].rstrip("/"), op.get("value")
        if path == "/machine/network":
            value = value.get("interfaces") if isinstance(value, dict) else None
        elif path.startswith("/machine/network/interfaces/"):
            value = [value] if isinstance(value, dict) else None  # one interface (/-, an index)
        elif path != "/machine/network/interfaces":
            continue
        found.extend(_interface_vips(value))
    return found


def _collect_patch_vips(cfg: TalosConfig) -> None:
    """VIPs the patches of control-plane machines configure: global patches, controlPlane.patches
    and the patches of a `controlPlane: true` node (a worker's VIP fronts no API server)."""
    planes = {node.keys[1] for node in cfg.nodes if node.control_plane}
    for patch in cfg.patches:
        scope = patch.keys[0]
        if scope == "worker" or (scope == "nodes" and patch.keys[1] not in planes):
            continue
        for doc in patch.docs:
            cfg.vips.update(_patch_vips(doc))


# RE2 (linear on any line a repository commits): the arguments after `talhelper ... genconfig`
_ENV_FLAG = r"(?:^|\s)(?:--env-file|-e)(?:[\s=]|$)"
_ENV_VALUE = r"(?:^|\s)(?:--env-file|-e)(?:=|\s+)(\"[^\"]*\"|'[^']*'|[^\s;&|\])}]+)"


def _env_flags(repo: Any) -> list[tuple[str, tuple[str, ...]]]:
    """(task file, env file names given) of each `talhelper genconfig --env-file/-e` in the task
    files and scripts homelint reads; names () when a value cannot be read. Once per run."""
    return repo.memo("talhelper-env-flags", lambda: _read_env_flags(repo))  # type: ignore[no-any-return]


def _read_env_flags(repo: Any) -> list[tuple[str, tuple[str, ...]]]:
    from homelint.model.scripts import unnamed_scripts
    from homelint.model.sources import PUSH_FILES  # the task files and CI homelint reads

    found: list[tuple[str, tuple[str, ...]]] = []
    scripts = unnamed_scripts(repo)  # mise tasks, shell scripts without a suffix
    for path in sorted(repo.files.all_files):
        if PUSH_FILES.search(path) is None and path not in scripts:
            continue
        text = repo.read_text(path) or ""
        if "talhelper" not in text:
            continue
        for line in text.splitlines():
            start = line.find("talhelper")
            at = line.find("genconfig", start) if start >= 0 else -1
            if at < 0 or linear(_ENV_FLAG).search(line[at:]) is None:
                continue
            values = [v.strip("'\"") for v in linear(_ENV_VALUE).findall(line[at:])]
            names = tuple(posixpath.basename(part) for value in values for part in value.split(",") if part)
            found.append((path, names if names and all("$" not in n and "{" not in n for n in names) else ()))
    return found


def env_files_passed(repo: Any) -> str | None:
    """A task file or script that runs `talhelper genconfig --env-file/-e` with files other than
    talhelper's default names: they replace the default talenv.* list, and which they are is not
    modelled. None when none does (no flag, or only default names, which find_talos_configs reads)."""
    for path, names in _env_flags(repo):
        if not names or any(name not in ENV_NAMES for name in names):
            return path
    return None


def _env_names(repo: Any) -> frozenset[str]:
    """The default env file names genconfig is told to read (--env-file talenv.sops.yaml): only
    those are loaded; all defaults when no task file names any."""
    named = {name for _, names in _env_flags(repo) for name in names}
    return frozenset(named) if named and named <= set(ENV_NAMES) else frozenset(ENV_NAMES)


def find_talos_configs(repo: Any) -> list[TalosConfig]:
    cached = getattr(repo, "_talos_configs", None)
    if cached is not None:
        return cached
    out: list[TalosConfig] = []
    names = _env_names(repo)
    for path in sorted(repo.parsed):
        parsed = repo.parsed[path]
        base = posixpath.basename(path)
        if base in CONFIG_NAMES:
            for index, doc in enumerate(parsed.docs):
                if isinstance(doc, dict) and ("nodes" in doc or "clusterName" in doc):
                    cfg = TalosConfig(path, index, doc, "talhelper")
                    for env_name in [n for n in ENV_NAMES if n in names]:
                        env_path = posixpath.join(cfg.dir, env_name) if cfg.dir else env_name
                        env_parsed = repo.parsed.get(env_path)
                        if env_parsed is None:
                            continue
                        cfg.env_files.append(env_path)
                        for key in _env_keys(env_parsed.docs):
                            cfg.env.setdefault(key, env_path)
                        plain = [d for d in env_parsed.docs if isinstance(d, dict) and "sops" not in d]
                        for doc in plain:
                            for k, v in doc.items():
                                if isinstance(v, str | int | float) and not isinstance(v, bool):
                                    cfg.env_values.setdefault(str(k), str(v))
                    _collect_patches(repo, cfg)
                    _collect_nodes(cfg)
                    _collect_patch_vips(cfg)
                    out.append(cfg)
                    break
            continue
        for index, doc in enumerate(parsed.docs):
            if (
                isinstance(doc, dict)
                and doc.get("version") == "v1alpha1"
                and isinstance(doc.get("machine"), dict)
                and isinstance(doc.get("cluster"), dict)
            ):
                out.append(TalosConfig(path, index, doc, "machineconfig"))
    repo._talos_configs = out
    return out


# -- placeholders ------------------------------------------------------------------------------


def placeholders_in(value: Any, keys: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str, str, int]]:
    """(field path, whole string, variable name, offset of its `$` in the string) of each `${VAR}`
    without a default, keys included."""
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str):
                for m in PLACEHOLDER.finditer(k):
                    if not m.group(2):
                        yield (*keys, k), k, m.group(1), m.start()
            yield from placeholders_in(v, (*keys, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from placeholders_in(v, (*keys, i))
    elif isinstance(value, str):
        for m in PLACEHOLDER.finditer(value):
            if not m.group(2):
                yield keys, value, m.group(1), m.start()


def placeholders_in_text(text: str) -> Iterator[tuple[int, int, str]]:
    """(line, column, variable) of each `${VAR}` in a patch file, comment lines skipped."""
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        for m in PLACEHOLDER.finditer(line):
            if not m.group(2):
                yield number, m.start() + 1, m.group(1)


# -- endpoints and networks --------------------------------------------------------------------


def split_endpoint(endpoint: str) -> tuple[str, int]:
    text = endpoint.strip()
    text = re.sub(r"^[a-z]+://", "", text).split("/", 1)[0]
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.lstrip(":")
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    else:
        host, port = text, ""
    return host, int(port) if port.isdigit() else 6443


def is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def networks(value: Any) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, str):
            for part in item.split(","):
                try:
                    out.append(ipaddress.ip_network(part.strip(), strict=False))
                except ValueError:
                    continue
    return out


# -- Talos documents to check against the Talos schema ---------------------------------------------


@dataclass
class TalosDocument:
    """A Talos machine config document (or a patch of one) and where it is written.

    `path`/`doc`/`keys` locate it in a parsed YAML file; `inline` is the text of a talhelper patch
    written as a string (its lines are found by searching that text)."""

    data: Any
    path: str
    doc: int
    keys: tuple[Any, ...]
    version: str | None  # the Talos version it is for ("v1.13.9", "1.12"), None when unknown
    talhelper: bool  # a talhelper patch: envsubst'd before Talos reads it
    inline: str = ""


def _schema_minor(parsed: Any, doc: int) -> str | None:
    """The Talos minor a `$schema` comment names: the document's own, else one in the file (a
    multi-document machine config usually carries the comment once, at the top)."""
    minors: dict[int, str] = {}
    for index, _line, _column, url in parsed.schema_refs:
        found = re.search(r"siderolabs/talos/refs/heads/release-(\d+\.\d+)/", url)
        if found:
            minors.setdefault(index, found[1])
    if doc in minors:
        return minors[doc]
    return next(iter(set(minors.values()))) if len(set(minors.values())) == 1 else None


def _looks_talos(doc: Any, has_talos_schema: bool) -> bool:
    if not isinstance(doc, dict):
        return False
    if doc.get("apiVersion") == "v1alpha1" and isinstance(doc.get("kind"), str) and "metadata" not in doc:
        return True
    if doc.get("version") == "v1alpha1" and ("machine" in doc or "cluster" in doc):
        return True
    return has_talos_schema and ("machine" in doc or "cluster" in doc) and "apiVersion" not in doc


def talos_documents(repo: Any) -> list[TalosDocument]:
    """Every talhelper patch (file or inline) and every standalone Talos document of the repository."""
    out: list[TalosDocument] = []
    configs = [c for c in find_talos_configs(repo) if c.kind == "talhelper"]
    patch_files: set[str] = set()
    for cfg in configs:
        version = cfg.resolve(cfg.data.get("talosVersion"))
        version = version if isinstance(version, str) and "${" not in version else None
        for patch in cfg.patches:
            if patch.missing:
                continue
            for index, doc in enumerate(patch.docs):
                if isinstance(doc, list):
                    continue  # a JSON6902 patch: operations, not a document
                if patch.file is not None:
                    patch_files.add(patch.file)
                    out.append(TalosDocument(doc, patch.file, index, (), version, True))
                elif patch.text:
                    out.append(TalosDocument(doc, cfg.path, cfg.doc, patch.keys, version, True, inline=patch.text))
                else:
                    out.append(TalosDocument(doc, cfg.path, cfg.doc, patch.keys, version, True))
    for path in sorted(repo.parsed):
        if path in patch_files or posixpath.basename(path) in CONFIG_NAMES + ENV_NAMES:
            continue
        parsed = repo.parsed[path]
        marked = any("siderolabs/talos" in url for _, _, _, url in parsed.schema_refs)
        for index, doc in enumerate(parsed.docs):
            if not _looks_talos(doc, marked):
                continue
            version = _schema_minor(parsed, index) or _nearest_version(configs, path)
            out.append(TalosDocument(doc, path, index, (), version, False))
    return out


def _nearest_version(configs: list[TalosConfig], path: str) -> str | None:
    """The talosVersion of the talhelper config whose folder shares the most with `path` (None if tied)."""
    scored = []
    for cfg in configs:
        version = cfg.resolve(cfg.data.get("talosVersion"))
        if not isinstance(version, str) or "${" in version:
            continue
        shared = posixpath.commonpath([cfg.dir or ".", posixpath.dirname(path) or "."]) if cfg.dir else ""
        scored.append((len([p for p in shared.split("/") if p and p != "."]), version))
    if not scored:
        return None
    best = max(s for s, _ in scored)
    winners = {v for s, v in scored if s == best}
    return winners.pop() if len(winners) == 1 else None


# -- where talenv variables are used -------------------------------------------------------------


@dataclass
class EnvUse:
    """One `${VAR}` that talhelper substitutes: in talconfig.yaml (at `keys`) or in a file it reads
    (`line`/`column` of the file's text)."""

    name: str
    path: str
    doc: int = 0
    keys: tuple[Any, ...] = ()
    line: int = 0
    column: int = 0
    nth: int = 0  # in talconfig.yaml: which occurrence of `${name` in the string at `keys` (from 0)


ANY_PLACEHOLDER = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")


def env_uses(repo: Any, cfg: TalosConfig) -> tuple[list[EnvUse], bool]:
    """Every variable use talhelper substitutes from the env files (defaults included), and whether
    every file it substitutes could be read (`@` patches and `@` machineFiles contents)."""
    uses: list[EnvUse] = []
    complete = True

    def walk(value: Any, keys: tuple[Any, ...]) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, (*keys, k))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, (*keys, i))
        elif isinstance(value, str):
            for match in ANY_PLACEHOLDER.finditer(value):
                nth = value.count("${" + match[1], 0, match.start())  # not an earlier `${NAME_LONGER`
                uses.append(EnvUse(match[1], cfg.path, cfg.doc, keys, nth=nth))

    walk(cfg.data, ())
    files = [p.file for p in cfg.patches if p.file is not None]
    files += [posixpath.normpath(posixpath.join(cfg.dir, v[1:].strip())) for v in _machine_file_refs(cfg.data)]
    for path in dict.fromkeys(files):
        text = repo.read_text(path)
        if text is None:
            complete = False
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if line.lstrip().startswith("#"):
                continue
            for match in ANY_PLACEHOLDER.finditer(line):
                uses.append(EnvUse(match[1], path, line=number, column=match.start() + 1))
    return uses, complete


def _machine_file_refs(value: Any, inside: bool = False) -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _machine_file_refs(v, inside or k == "machineFiles")
    elif isinstance(value, list):
        for v in value:
            yield from _machine_file_refs(v, inside)
    elif inside and isinstance(value, str) and value.startswith("@") and "\n" not in value:
        yield value
