"""What a check sees: the repository, its Flux model and resource graph, and a finding factory.

A leaf module (it imports only the core types at run time): rules depend on it, it depends on no
rule, no engine and no loader; the types it names are imported for the type checker only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homelint.core.model import Finding, K8sObject, Span

if TYPE_CHECKING:
    from homelint.model.config import Config
    from homelint.model.flux import FluxModel
    from homelint.model.graph import ResourceGraph
    from homelint.model.repo import Repo
    from homelint.rules.registry import RuleMeta

# rules about what a pod reads when it starts (a claim, an NFS server, a Secret, a ConfigMap, a
# key): a suspended CronJob starts no pod, so they fail only once it is resumed
POD_RUNTIME_RULES = frozenset({"HL301", "HL302", "HL401", "HL405", "HL407"})


class Context:
    """What a check sees: the repo (files, objects, Flux model, graph) and a finding factory."""

    def __init__(self, repo: Repo, rules: dict[str, RuleMeta], enabled: set[str] | None = None) -> None:
        self.repo = repo
        self.config: Config = repo.config
        self.rules = rules
        self.enabled: set[str] = set(rules) if enabled is None else enabled
        self.notes: list[str] = []  # one-line remarks for the end of the report (not findings)
        self._suspended_keys: set[str] | None = None
        self._suspended_documents: set[int] | None = None

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    @property
    def graph(self) -> ResourceGraph:
        return self.repo.graph

    @property
    def flux(self) -> FluxModel:
        return self.repo.flux_model

    def finding(
        self,
        rule: str,
        path: str,
        span: Span,
        message: str,
        *,
        fix: str | None = None,
        key: str = "",
        related: tuple[str, ...] | list[str] = (),
    ) -> Finding:
        meta = self.rules[rule]
        return Finding(rule, path, span, message, fix, meta.severity, meta.name, key or message, tuple(related))

    def at(self, rule: str, obj: K8sObject, keys: tuple[Any, ...], message: str, *, key_node: bool = False, **kw: Any) -> Finding:
        path, span = self.repo.locate(obj, keys, key=key_node)  # a field a patch set: in the patch
        kw.setdefault("key", f"{obj.kind}/{obj.name}/{'.'.join(map(str, keys))}/{message}")
        return self.held(self.finding(rule, path, span, message, **kw), self.suspension(obj, keys, rule))

    @staticmethod
    def held(finding: Finding, why: str | None) -> Finding:
        """An error Flux raises only once something suspended is resumed: a warning that says so."""
        if why is not None and finding.severity == "error":
            finding.severity = "warning"
            finding.message += f"; {why}"
        return finding

    def suspension(self, obj: K8sObject, keys: tuple[Any, ...] = (), rule: str = "") -> str | None:
        """Why Flux does not act on this now: the object is a suspended Kustomization or HelmRelease
        and the finding is about what its controller does with its spec (not about admitting the
        object, which its parent applies: HL6xx), or every Kustomization that applies it is suspended."""
        source = obj.source
        spec_finding = bool(keys) and keys[0] == "spec" and not rule.startswith("HL6")
        if spec_finding and source.kind in ("Kustomization", "HelmRelease") and self._suspended(source):
            return f"{source.kind} {source.name} is suspended (spec.suspend: true), so Flux fails on it only once it is resumed"
        if spec_finding and rule in POD_RUNTIME_RULES and obj.kind == "CronJob" and obj.spec.get("suspend") is True:
            return (
                f"CronJob {obj.name} is suspended (spec.suspend: true): it starts no Job, so its pods fail on this only "
                "once it is resumed"
            )
        if self._suspended_keys is None:
            by_key: dict[str, bool] = {}
            for ks in self.flux.kustomizations:
                by_key[ks.key] = by_key.get(ks.key, True) and ks.obj is not None and ks.spec.get("suspend") is True
            self._suspended_keys = {key for key, suspended in by_key.items() if suspended}
        if source.applied_by and all(key in self._suspended_keys for key in source.applied_by):
            return "every Flux Kustomization that applies it is suspended (spec.suspend: true), so this fails only once one is resumed"
        return None

    def _suspended(self, source: K8sObject) -> bool:
        """Whether the Kustomization or HelmRelease document is suspended as Flux applies it: in its
        file, or by a patch of every build that applies it (a parent's spec.patches, a kustomize patch)."""
        if source.spec.get("suspend") is True:
            return True
        if self._suspended_documents is None:
            applied: dict[int, list[bool]] = {}
            for ks in self.flux.kustomizations:  # a Flux Kustomization as its parent's build makes it
                if ks.obj is not None:
                    applied.setdefault(id(ks.obj), []).append(ks.spec.get("suspend") is True)
            for one in self.flux.applied:  # a HelmRelease as its build patched it
                if one.obj.kind == "HelmRelease" and one.obj.unpatched is not None:
                    spec = one.obj.data.get("spec")
                    applied.setdefault(id(one.obj.source), []).append(isinstance(spec, dict) and spec.get("suspend") is True)
            self._suspended_documents = {key for key, flags in applied.items() if flags and all(flags)}
        return id(source) in self._suspended_documents

    def suspended_ks(self, ks: Any) -> str | None:
        """Why Flux does not act on what a Flux Kustomization builds now: it is suspended."""
        if ks is not None and ks.obj is not None and ks.spec.get("suspend") is True:
            return f"{ks.label} is suspended (spec.suspend: true), so Flux fails on it only once it is resumed"
        return None
