"""HL408: a build writes a namespace or name in clear into a file SOPS encrypted whole.

A file encrypted without `encrypted_regex` holds its apiVersion, kind, name and namespace as
ciphertext (core.model.sops_opaque). kustomize builds it as it is, and its namespace transformer (a
kustomization's `namespace:`, a Flux `spec.targetNamespace`) or a namePrefix/nameSuffix writes the
new value in clear over the ciphertext. kustomize-controller decrypts each built resource
(internal/decryptor DecryptResource, sops' tree.Decrypt): the clear value is no ciphertext ("Input
string ... does not match sops' data format") and the MAC no longer matches, so the Kustomization
fails and applies nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

from homelint.core.context import Context
from homelint.core.model import Finding, is_ciphertext
from homelint.loading.safeio import printable
from homelint.rules.common import unbuildable
from homelint.rules.registry import check


@check("HL408", needs_flux=True)
def transformed_sops_metadata(ctx: Context) -> Iterator[Finding]:
    seen: set[int] = set()
    for ks in ctx.flux.kustomizations:
        if not ks.opaque or not ks.spec.get("decryption") or unbuildable(ctx, ks) is not None:
            continue  # without decryption the ciphertext itself fails (HL117); a failing build applies nothing
        for applied in ks.opaque:
            obj = applied.obj
            if id(obj.source) in seen or applied.unread:
                continue
            written = []  # (field, what the build writes; the name's affixes only, never its ciphertext)
            if applied.namespace is not None and not is_ciphertext(applied.namespace) and applied.namespace != obj.namespace:
                written.append(("namespace", f"namespace '{printable(applied.namespace)}'"))
            if applied.name != obj.name:
                written.append(("name", "a namePrefix or nameSuffix on its name"))
            if not written:
                continue
            seen.add(id(obj.source))
            field = written[0][0]
            keys = ("metadata", field)
            shown = " and ".join(text for _, text in written)
            yield ctx.at(
                "HL408",
                obj.source,
                keys if obj.source.metadata.get(keys[-1]) is not None else ("metadata",),
                f"{obj.path} is a file SOPS encrypts whole (its kind, name and namespace are ciphertext), and the build "
                f"of {ks.label} writes {shown} in clear over it (a kustomization's namespace:, spec.targetNamespace, "
                "namePrefix or nameSuffix): kustomize-controller then fails to decrypt it ('does not match sops' data "
                "format', the MAC no longer matches) and the Kustomization applies nothing",
                fix="encrypt only the data (encrypted_regex: ^(data|stringData)$ in .sops.yaml) and encrypt the file "
                f"again, or keep it out of builds that set its {field}",
            )
