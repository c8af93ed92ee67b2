"""HL809 inexact-helm-value: an integer in a HelmRelease's values that helm-controller cannot pass
on as written.

helm-controller reads `spec.values` with encoding/json into interface{} (HelmRelease.GetValues),
as Helm reads values files (sigs.k8s.io/yaml): every number becomes a float64, which holds an
integer exactly only up to 2^53. A larger one reaches the chart as another number, and a template
that prints it writes it in exponent form (helm/helm#1707).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from homelint.core.context import Context
from homelint.core.model import Finding
from homelint.rules.common import applied_once
from homelint.rules.registry import check

EXACT = 2**53  # the largest integer a float64 always holds exactly


@check("HL809", needs_flux=True)
def inexact_helm_value(ctx: Context) -> Iterator[Finding]:
    for obj in applied_once(ctx, "helm.toolkit.fluxcd.io", ("HelmRelease",)):
        values = obj.spec.get("values")
        for keys, number in _big_integers(values, ("spec", "values")):
            as_float = float(number)
            yield ctx.at(
                "HL809",
                obj,
                keys,
                f"HelmRelease {obj.name}: {'.'.join(map(str, keys))} is {number}, an integer beyond 2^53: helm-controller "
                f"reads values as JSON numbers (float64), so the chart gets {int(as_float)} (printed {as_float!r})",
                fix=f"quote it ('{number}') if the chart takes the value as text",
            )


def _big_integers(data: Any, at: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], int]]:
    """(keys, value) of each integer of `data` (depth first, iterative) whose absolute value is over
    EXACT (booleans are not integers here)."""
    stack: list[tuple[tuple[Any, ...], Any]] = [(at, data)]
    seen: set[int] = set()
    while stack:
        keys, value = stack.pop()
        if isinstance(value, dict | list):
            if id(value) in seen:
                continue  # an alias: walked once
            seen.add(id(value))
            items = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
            stack.extend(((*keys, k), v) for k, v in reversed(items))
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > EXACT:
            yield keys, value
