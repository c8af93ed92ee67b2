"""What the model keeps once, not once per user: the peak memory of a run on a big repository is the
model and the resource graph, so equal parts are shared (and never changed once made)."""

from __future__ import annotations

import gc
import sys
from types import FunctionType

import pytest

from homelint.engine.lint import Options, run_check
from homelint.engine.runner import load_repo
from homelint.model.config import load_config
from homelint.model.variables import variables_of

from .conftest import FIXTURES

CLEAN = FIXTURES / "clean"


def _loaded(root):
    loaded, _ = load_repo(root, load_config(root), use_cache=False)
    return loaded


def test_kustomizations_reading_the_same_sources_share_one_variables_map(repo):
    app = "kubernetes/apps/default/{}/ks.yaml"
    # echo and paperless without their inline APP: both read only the cluster-wide ConfigMap and Secret
    root = repo(
        {app.format(a): (CLEAN / app.format(a)).read_text().split("  postBuild:")[0] for a in ("echo", "paperless")}, base="clean"
    )
    loaded = _loaded(root)
    apps = {ks.name: variables_of(loaded, ks) for ks in loaded.flux.kustomizations if ks.name in ("echo", "paperless")}
    assert apps["echo"].values and apps["echo"].values == apps["paperless"].values
    assert apps["echo"].values is apps["paperless"].values and apps["echo"].origin is apps["paperless"].origin
    assert apps["echo"] is not apps["paperless"]  # the sources found stay each Kustomization's own


def test_kustomizations_with_other_variables_keep_their_own_map():
    loaded = _loaded(CLEAN)
    apps = {ks.name: variables_of(loaded, ks) for ks in loaded.flux.kustomizations if ks.name in ("echo", "paperless")}
    assert apps["echo"].values["APP"] == "echo" and apps["paperless"].values["APP"] == "paperless"
    assert apps["echo"].values is not apps["paperless"].values


def test_graph_edges_that_carry_only_their_type_share_one_data_dict():
    graph = _loaded(CLEAN).graph
    for edge_type in ("contains", "reconciles"):
        data = list(graph.edges(edge_type))
        assert len(data) > 1 and all(d is data[0] and d == {"type": edge_type} for d in data)


def test_an_artifact_key_is_made_once_for_every_memoized_build():
    artifacts = list(_loaded(CLEAN).flux.sources.artifacts.values())
    assert artifacts and all(art.key is art.key for art in artifacts)


def test_file_nodes_share_their_attributes_and_an_update_does_not_leak_to_the_others():
    graph = _loaded(CLEAN).graph.nx
    files = [node for node in graph.nodes if type(node).__name__ == "FileNode"]
    applied = [graph.nodes[n] for n in files if graph.nodes[n]["applied"]]
    assert len(applied) > 1 and all(a is applied[0] for a in applied)
    graph.add_node(files[0], note=1)
    assert graph.nodes[files[0]]["note"] == 1 and all("note" not in graph.nodes[n] for n in files[1:])


def test_edges_that_carry_more_than_their_type_read_as_their_dicts_did_and_are_smaller():
    graph = _loaded(CLEAN).graph
    for edge_type in ("includes", "uses-secret", "produces-secret", "uses-var"):
        data = [d for d in graph.edges(edge_type) if len(d) > 1]
        assert data, edge_type
        for d in data:
            assert d["type"] == d.get("type") == edge_type and "type" in d
            assert "absent" not in d and d.get("absent") is None and d.get("absent", 1) == 1
            with pytest.raises(KeyError):
                d["absent"]
            plain = dict(d)
            assert plain == d and d == plain and sorted(plain) == sorted(d) and all(plain[k] is d[k] for k in d)
            assert not hasattr(d, "__dict__") and sys.getsizeof(d) < sys.getsizeof(plain)


def test_the_graph_is_let_go_once_the_checks_ran_and_built_again_when_asked():
    repo = run_check(Options(paths=[CLEAN], use_cache=False)).repo
    assert repo._graph is None  # not held while the run record and the cache are written
    graph = repo.graph
    assert graph is repo.graph and len(list(graph.edges("contains"))) > 1


def test_building_the_model_and_graph_leaves_no_reference_cycle_behind():
    """A run has the GC off (runner.quiet_gc): garbage in a cycle, such as a nested function that
    calls itself, is held until the process ends (one per object and field walked, at 16x
    gavinmcfall ~6 MiB)."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        loaded = _loaded(CLEAN)
        assert loaded.graph is not None
        gc.collect()
        left = sorted(
            {o.__qualname__ for o in gc.garbage if type(o) is FunctionType and o.__module__.startswith("homelint.model")}
        )
    finally:
        gc.garbage.clear()
        gc.set_debug(0)
        if enabled:
            gc.enable()
    assert left == []
