"""The YAML loader: plain data out, positions on demand, every bad input a located problem."""

from __future__ import annotations

import marshal

from homelint.loading.positions import PositionIndex
from homelint.loading.yamlload import parse_bytes

from .conftest import GOTK


def parse(text: str | bytes):
    return parse_bytes("f.yaml", text.encode() if isinstance(text, str) else text)


def test_multi_document_files_keep_every_document_and_its_start_line():
    parsed = parse("---\na: 1\n---\n---\nb: [x, y]\n")
    assert parsed.docs == [{"a": 1}, None, {"b": ["x", "y"]}]
    assert parsed.doc_lines[0] == 2 and parsed.doc_lines[2] == 5


def test_yaml_1_2_scalars_stay_strings():
    parsed = parse("a: yes\nb: on\nc: 1.10\nd: 0o17\ne: 2024-01-01\n")
    assert parsed.docs[0] == {"a": "yes", "b": "on", "c": 1.1, "d": 15, "e": "2024-01-01"}


def test_the_memoised_resolver_tags_every_scalar_as_ruamels_own_does():
    from ruamel.yaml.cyaml import CSafeLoader

    from homelint.loading.yamlload import iter_nodes

    text = (
        "a: [yes, on, 1.10, 0o17, 0x1F, -3, 1_000, .inf, -.Inf, .nan, null, ~, '', true, False, 2024-01-01]\n"
        "b: ['1', \"2\", !!str 3, plain, '', 1e3, +12, 0b101, !custom x]\n"
        "c: {? [k] : v, 1: one, true: t, null: n}\n"
        "d: &x [1]\n"
        "e: *x\n"
    )

    def tags(node, out):
        out.append((node.id, str(node.ctag), node.value if node.id == "scalar" else None))
        if node.id == "sequence":
            for item in node.value:
                tags(item, out)
        elif node.id == "mapping":
            for key, value in node.value:
                tags(key, out)
                tags(value, out)
        return out

    stock = CSafeLoader(text)
    expected = tags(stock.get_single_node(), [])
    for _ in range(2):  # the second pass answers from the memo
        (node,) = iter_nodes(text)
        assert tags(node, []) == expected


def test_syntax_error_has_the_parser_position_and_earlier_documents_survive():
    parsed = parse("ok: 1\n---\nbad: [1\n")
    assert parsed.docs == [{"ok": 1}]
    (problem,) = parsed.problems
    assert (problem.rule, problem.line, problem.column) == ("HL001", 3, 8)  # end of input, not past it


def test_libyaml_strictness_falls_back_to_yaml_1_2():
    # libyaml rejects ':' inside a flow plain scalar and reused anchors; YAML 1.2 allows both
    assert parse("roles: [os:etcd:backup]\n").docs == [{"roles": ["os:etcd:backup"]}]
    assert parse("a: &x 1\nb: &x 2\nc: *x\n").docs == [{"a": 1, "b": 2, "c": 2}]


def test_duplicate_key_is_reported_at_the_second_key():
    parsed = parse("spec:\n  interval: 1h\n  interval: 5m\n")
    (problem,) = parsed.problems
    assert (problem.rule, problem.line, problem.column) == ("HL002", 3, 3)
    assert parsed.docs[0] == {"spec": {"interval": "5m"}}


def test_a_second_merge_key_in_one_mapping_is_a_duplicate_key():
    """kustomize (kyaml getMergeTagValue: "duplicate merge key") and Go's yaml.v3 (mapping key "<<"
    already defined) refuse two `<<` keys in one mapping: HL002 at the second."""
    parsed = parse("a: &a {x: 1}\nb: &b {y: 2}\nm:\n  <<: *a\n  <<: *b\n  z: 3\n")
    (problem,) = parsed.problems
    assert (problem.rule, problem.line, problem.column) == ("HL002", 5, 3)
    assert problem.message == "duplicate key '<<' (first defined at line 4)"


def test_a_merge_of_anything_but_mappings_refuses_the_document():
    """kustomize 5.8.1 fails the build ("map merge requires map or sequence of maps as the value",
    "invalid map merge: received alias for a non-map value"), as yaml.v3 and PyYAML refuse the
    document: HL001 at the merge key, and the document is not read."""
    for text in (
        "m:\n  <<: text\n  z: 3\n",
        "n: &n plain\nm:\n  <<: *n\n  z: 3\n",
        "a: &a {x: 1}\nm:\n  <<: [*a, text]\n",
    ):
        parsed = parse(text)
        (problem,) = parsed.problems
        line = text.splitlines().index(next(row for row in text.splitlines() if "<<" in row)) + 1
        assert (problem.rule, problem.line, problem.column) == ("HL001", line, 3), text
        assert "merge key (<<) takes a mapping or a list of mappings" in problem.message
        assert parsed.docs == [None]


def test_a_duplicate_key_says_what_the_reader_of_its_file_does(repo, check_json):
    """kustomize v5.8.1 (kubectl kustomize): a resource with a duplicate key fails the build
    (yaml.v3: mapping key already defined); a kustomization file keeps the last value; a patch
    keeps one of the two; a file no build reads gets the neutral wording."""
    ks = (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ks-a\n"
        "  namespace: flux-system\nspec:\n  interval: 1h\n  path: ./apps/app-a\n  prune: true\n"
        "  sourceRef: {kind: GitRepository, name: flux-system}\n"
    )
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n  namespace: ns-a\ndata:\n  k: x\n"
    root = repo(
        {
            "clusters/main/flux-system/gotk-sync.yaml": GOTK,
            "clusters/main/ks-a.yaml": ks,
            "apps/app-a/kustomization.yaml": "resources: [./cm.yaml, ./cm-b.yaml]\nnamespace: ns-a\nnamespace: ns-b\n"
            "patches:\n  - path: ./patch.yaml\n",
            "apps/app-a/cm.yaml": cm,
            "apps/app-a/cm-b.yaml": cm.replace("cm-a", "cm-b") + "  k: y\n",
            "apps/app-a/patch.yaml": cm + "  k: y\n",
            "other/app-b/kustomization.yaml": "resources: [./cm.yaml]\n",
            "other/app-b/cm.yaml": cm + "  k: y\n",
            "notes/settings.yaml": "a: 1\na: 2\n",
            # kustomize reads the field names of a kustomization case-insensitively
            "other/app-c/kustomization.yaml": "resources: [./cm.yaml]\nPatches:\n  - path: ./patch.yaml\n",
            "other/app-c/cm.yaml": cm,
            "other/app-c/patch.yaml": cm + "  k: y\n",
        }
    )
    _, findings = check_json(root, "--select", "HL002")
    said = {f["path"]: f["message"].split(": ", 1)[1] for f in findings}
    assert said == {
        "apps/app-a/cm-b.yaml": "kustomize refuses a resource with a duplicate key (mapping key already defined), "
        "so the build of Kustomization flux-system/ks-a fails",
        "apps/app-a/kustomization.yaml": "kustomize reads the last one and silently ignores the first",
        "apps/app-a/patch.yaml": "kustomize applies this patch with only one of the two values, silently",
        "other/app-c/patch.yaml": "kustomize applies this patch with only one of the two values, silently",
        "other/app-b/cm.yaml": "kustomize refuses a resource with a duplicate key (mapping key already defined), "
        "so every kustomize build that includes it fails",
        "notes/settings.yaml": "YAML readers disagree (some keep the last value, Go's yaml.v3 as kustomize uses it "
        "refuses the file)",
    }
    assert all(f["message"].startswith("duplicate key '") for f in findings)


# a config an application reads, with a syntax error: kustomize puts its text into a key verbatim
BROKEN_CONFIG = 'endpoints:\n  - name: "app-a"-\n    group: g\n'


def _generator_repo(repo, kustomization: str, extra: dict[str, str] | None = None):
    """ks-a builds apps/app-a, whose kustomization reads config.yaml (invalid YAML) as generator data."""
    ks = (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ks-a\n"
        "  namespace: flux-system\nspec:\n  interval: 1h\n  path: ./apps/app-a\n  prune: true\n"
        "  targetNamespace: ns-a\n  sourceRef: {kind: GitRepository, name: flux-system}\n"
    )
    files = {
        "clusters/main/flux-system/gotk-sync.yaml": GOTK,
        "clusters/main/ks-a.yaml": ks,
        "apps/app-a/kustomization.yaml": kustomization,
        "apps/app-a/config.yaml": BROKEN_CONFIG,
        **(extra or {}),
    }
    return repo(files)


def _hl001(check_json, root) -> list[tuple[str, str, str]]:
    return [(f["path"], f["severity"], f["message"]) for f in check_json(root, "--select", "HL001")[1]]


SYNTAX = "invalid YAML: block sequence entries are not allowed in this context"
AS_DATA = (
    "; kustomize reads this file only as data (key '{key}' of {field} '{name}' in apps/app-a/kustomization.yaml), "
    "not as YAML: Flux applies its text as it is, and whatever reads that key reads invalid YAML"
)


def test_a_file_only_a_generator_reads_is_data_flux_applies_as_text(repo, check_json):
    """kustomize reads a configMapGenerator/secretGenerator `files:` source as bytes (api/kv;
    `kubectl kustomize` builds it, the text verbatim in the key): Flux applies it, only what reads
    the key parses it. A warning that says so, not a build error."""
    generator = "configMapGenerator:\n  - name: cm-a\n    files:\n      - app.yaml=./config.yaml\n"
    assert _hl001(check_json, _generator_repo(repo, generator)) == [
        (
            "apps/app-a/config.yaml",
            "warning",
            SYNTAX + AS_DATA.format(key="app.yaml", field="configMapGenerator", name="cm-a"),
        )
    ]
    secret = "secretGenerator:\n  - name: secret-a\n    files:\n      - ./config.yaml\n"
    assert _hl001(check_json, _generator_repo(repo, secret)) == [
        (
            "apps/app-a/config.yaml",
            "warning",
            SYNTAX + AS_DATA.format(key="config.yaml", field="secretGenerator", name="secret-a"),
        )
    ]


def test_a_generator_file_read_as_yaml_too_is_still_an_error(repo, check_json):
    """Listed as a resource as well, or in a folder kustomize-controller generates a kustomization
    for (fluxcd/pkg scanManifests decodes every .yaml there): kustomize parses it and fails."""
    generator = "configMapGenerator:\n  - name: cm-a\n    files:\n      - ./config.yaml\n"
    listed = _generator_repo(repo, generator + "resources:\n  - ./config.yaml\n")
    assert _hl001(check_json, listed) == [("apps/app-a/config.yaml", "error", SYNTAX)]
    ks_b = (
        "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ks-b\n"
        "  namespace: flux-system\nspec:\n  interval: 1h\n  path: ./apps/shared\n  prune: true\n"
        "  sourceRef: {kind: GitRepository, name: flux-system}\n"
    )
    shared = _generator_repo(
        repo,
        "configMapGenerator:\n  - name: cm-a\n    files:\n      - ../shared/config.yaml\n",
        {"clusters/main/ks-b.yaml": ks_b, "apps/shared/config.yaml": BROKEN_CONFIG},
    )
    assert ("apps/shared/config.yaml", "error", SYNTAX) in _hl001(check_json, shared)


HELM_RELEASE = (
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: app-a\nspec:\n  interval: 1h\n"
    "  chart:\n    spec:\n      chart: app-a\n      version: 1.0.0\n      sourceRef: {kind: HelmRepository, name: repo-a}\n"
    "  valuesFrom:\n"
)


def test_a_generator_file_a_helm_release_reads_as_values_is_an_error(repo, check_json):
    """helm-controller parses a valuesFrom key as YAML (fluxcd/pkg chartutil
    ChartValuesFromReferences: ReadValues) and fails the HelmRelease; with targetPath the text is
    set as one string value, not parsed. By the generator's name too (hashed, kustomize may
    rewrite the reference); in the HelmRelease's namespace only."""
    kustomization = (
        "resources:\n  - ./hr.yaml\nconfigMapGenerator:\n  - name: values-a\n    files:\n      - values.yaml=./config.yaml\n"
    )
    parsed_by_helm = (
        "apps/app-a/config.yaml",
        "error",
        SYNTAX + "; HelmRelease ns-a/app-a reads it as Helm values (key 'values.yaml' of configMapGenerator 'values-a' "
        "in apps/app-a/kustomization.yaml, through spec.valuesFrom): helm-controller cannot parse it and fails the "
        "release before installing or upgrading it",
    )
    reads = {"apps/app-a/hr.yaml": HELM_RELEASE + "    - kind: ConfigMap\n      name: values-a\n"}
    assert _hl001(check_json, _generator_repo(repo, kustomization, reads)) == [parsed_by_helm]
    secret = kustomization.replace("configMapGenerator", "secretGenerator")
    reads = {"apps/app-a/hr.yaml": HELM_RELEASE + "    - {kind: Secret, name: values-a, valuesKey: values.yaml}\n"}
    assert _hl001(check_json, _generator_repo(repo, secret, reads)) == [
        (*parsed_by_helm[:2], parsed_by_helm[2].replace("configMapGenerator", "secretGenerator"))
    ]
    as_data = (
        "apps/app-a/config.yaml",
        "warning",
        SYNTAX + AS_DATA.format(key="values.yaml", field="configMapGenerator", name="values-a"),
    )
    for entry in (
        "    - {kind: ConfigMap, name: values-a, targetPath: config}\n",  # set as a string, not parsed
        "    - {kind: ConfigMap, name: values-a, valuesKey: other.yaml}\n",  # another key
        "    - {kind: ConfigMap, name: values-b}\n",  # another object
        "    - {kind: Secret, name: values-a}\n",  # another kind
    ):
        reads = {"apps/app-a/hr.yaml": HELM_RELEASE + entry}
        assert _hl001(check_json, _generator_repo(repo, kustomization, reads)) == [as_data], entry
    # a HelmRelease of another namespace (ks-b's targetNamespace) reads a ConfigMap of its own
    ks_b = (
        "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ks-b\n"
        "  namespace: flux-system\nspec:\n  interval: 1h\n  path: ./apps/app-b\n  prune: true\n"
        "  targetNamespace: ns-b\n  sourceRef: {kind: GitRepository, name: flux-system}\n"
    )
    elsewhere = {
        "clusters/main/ks-b.yaml": ks_b,
        "apps/app-b/hr.yaml": HELM_RELEASE + "    - kind: ConfigMap\n      name: values-a\n",
    }
    no_reader = kustomization.replace("resources:\n  - ./hr.yaml\n", "")
    assert _hl001(check_json, _generator_repo(repo, no_reader, elsewhere)) == [as_data]


def test_a_generator_file_over_the_size_limit_stays_an_error(repo, check_json, monkeypatch):
    """Not parsed, and too big for a ConfigMap or Secret (the API server refuses over 1 MiB of
    data): the apply fails, so the size problem keeps its severity (the limit lowered here, so
    that the test writes a small file)."""
    monkeypatch.setattr("homelint.model.repo.MAX_FILE_BYTES", 4096)
    generator = "configMapGenerator:\n  - name: cm-a\n    files:\n      - ./config.yaml\n"
    root = _generator_repo(repo, generator, {"apps/app-a/config.yaml": BROKEN_CONFIG * 100})
    (found,) = _hl001(check_json, root)
    assert found[:2] == ("apps/app-a/config.yaml", "error")
    assert found[2].endswith("MiB limit; not parsed")


def test_a_templated_file_only_a_generator_reads_is_not_reported(repo, check_json):
    """A Go-template config the application renders before it parses: nobody parses the text as
    it is, so homelint says nothing (as for templates Flux never applies)."""
    generator = "configMapGenerator:\n  - name: cm-a\n    files:\n      - ./config.yaml\n"
    root = _generator_repo(repo, generator, {"apps/app-a/config.yaml": "a: {{ .Values.a }}\n  b: 1\n"})
    assert _hl001(check_json, root) == []


def test_merge_keys_are_applied():
    assert parse("base: &b {x: 1}\nm:\n  <<: *b\n  y: 2\n").docs[0]["m"] == {"x": 1, "y": 2}


def test_alias_bomb_is_refused_quickly():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 12):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    parsed = parse("\n".join(lines) + "\n")
    assert any("billion laughs" in p.message for p in parsed.problems)


def test_deep_nesting_is_refused_not_a_crash():
    parsed = parse("a: " + "[" * 10000 + "]" * 10000 + "\n")
    assert parsed.problems and parsed.problems[0].rule == "HL001"
    nested = parse("".join("  " * i + f"k{i}:\n" for i in range(600)) + "  " * 600 + "v: 1\n")
    assert any("nested deeper" in p.message for p in nested.problems)


def test_binary_and_non_utf8_files_are_problems_with_a_location():
    assert "binary" in parse(b"\x00\x01\x02").problems[0].message
    problem = parse(b"a: 1\nb: caf\xe9\n").problems[0]
    assert "UTF-8" in problem.message and problem.line == 2


def test_odd_documents_do_not_crash():
    assert parse("").docs == []
    assert parse("~\n").docs == [None]
    assert parse("- a\n- b\n").docs == [["a", "b"]]
    assert parse("just a scalar\n").docs == ["just a scalar"]
    assert parse("? [a, b]\n: 1\n").docs == [{"<list key>": 1}]
    assert parse("x: !env_var FOO\n").docs == [{"x": "FOO"}]


def test_suppression_comments_target_their_line_or_the_next():
    parsed = parse(
        "a: 1  # homelint: ignore[HL301] -- known\n# homelint: ignore[HL1, hl2]\n\nb: 2\n# homelint: ignore-file[HL203]\n"
    )
    same, own, whole = parsed.suppressions
    assert (same.target, same.rules, same.reason) == (1, ("HL301",), "known")
    assert (own.target, own.rules) == (4, ("HL1", "HL2"))
    assert whole.target == 0


def test_positions_are_found_on_demand():
    text = b'---\nspec:\n  values:\n    hosts: ["a.${DOMAIN}"]\n  list:\n    - name: x\n'
    index = PositionIndex(lambda _: text)
    span = index.span("f.yaml", 0, ("spec", "list", 0, "name"))
    assert (span.line, span.column, span.end_column) == (6, 13, 14)
    assert index.span("f.yaml", 0, ("spec", "values"), key=True).line == 3
    hit = index.text_span("f.yaml", 0, ("spec", "values", "hosts", 0), "${DOMAIN")
    assert (hit.line, hit.column) == (4, 16)
    assert index.span("f.yaml", 0, ("spec", "missing", "deeper")).line == 2


def test_a_key_merged_from_an_anchor_is_shown_where_the_anchor_defines_it():
    text = b"a:\n  env: &env\n    X:\n      name: s\nb:\n  env:\n    <<: *env\n    Y: 1\n"
    index = PositionIndex(lambda _: text)
    assert index.span("f.yaml", 0, ("b", "env", "X", "name")).line == 4
    assert index.span("f.yaml", 0, ("b", "env", "Y")).line == 8
    assert index.span("f.yaml", 0, ("b", "env", "Z")).line == 6  # missing: the deepest node that exists


def test_parsing_leaves_no_reference_cycles():
    """A run keeps the GC off, so a cycle per file would keep every file's text alive."""
    import gc

    parse("warm: up\n")
    gc.collect()
    gc.disable()
    try:
        for index in range(200):
            parse(f"a: {index}\nb: &x [1, 2]\nc: *x\n---\nd: {{e: f}}\n")
        assert gc.collect() < 50
    finally:
        gc.enable()


def test_keys_and_short_strings_are_one_object_across_files_and_through_marshal():
    """What the memory of a big repository rests on: its few thousand distinct keys and short
    values are held once, also after the fork's pipe and the parse cache (marshal keeps interned
    strings interned)."""
    text = b"kind: Deployment\nmetadata:\n  name: web\n  labels: [app, " + b"x" * 100 + b"]\n"
    first, second = parse_bytes("a.yaml", text).docs[0], parse_bytes("b.yaml", text).docs[0]
    assert next(iter(first)) is next(iter(second))
    assert first["kind"] is second["kind"] and first["metadata"]["labels"][0] is second["metadata"]["labels"][0]
    assert first["metadata"]["labels"][1] == second["metadata"]["labels"][1]  # a long string: equal, not shared
    again = marshal.loads(marshal.dumps(second))
    assert next(iter(again)) is next(iter(first)) and again["kind"] is first["kind"]
