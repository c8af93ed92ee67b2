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


class Context:
    """What a check sees: the repo (files, objects, Flux model, graph) and a finding factory."""

    def __init__(self, repo: Repo, rules: dict[str, RuleMeta], enabled: set[str] | None = None) -> None:
        self.repo = repo
        self.config: Config = repo.config
        self.rules = rules
        self.enabled: set[str] = set(rules) if enabled is None else enabled
        self.notes: list[str] = []  # one-line remarks for the end of the report (not findings)

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
        return self.finding(rule, path, span, message, **kw)
