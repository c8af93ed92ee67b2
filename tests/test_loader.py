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
