"""Which files are scripts though no suffix says so: mise file tasks and shell shebang scripts
(model.scripts), told apart by at most the first 256 bytes, never run."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from homelint.loading.discovery import has_no_suffix, in_mise_tasks, non_yaml_inputs
from homelint.loading.safeio import read_head
from homelint.model.scripts import SHEBANG_BYTES, shell_shebang


@pytest.mark.parametrize(
    ("head", "shell"),
    [
        (b"#!/bin/sh\n", True),
        (b"#!/bin/bash -euo pipefail\n", True),
        (b"#!/usr/bin/env bash\n", True),
        (b"#! /usr/bin/env zsh\r\n", True),
        (b"#!/usr/bin/env -S bash -eu\n", True),
        (b"#!/usr/bin/env LC_ALL=C dash\n", True),
        (b"#!/nix/store/abc-bash-5.2/bin/bash\n", True),
        (b"#!/bin/ksh", True),  # the whole file
        (b"#!/usr/bin/env python3\n", False),
        (b"#!/usr/bin/env -S just --justfile\n", False),
        (b"#!/usr/bin/env\n", False),
        (b"#!\n", False),
        (b"# /bin/sh\n", False),
        (b"\xef\xbb\xbf#!/bin/sh\n", False),  # a byte-order mark: the kernel runs no interpreter
        (b"#!" + b" " * 300 + b"/bin/sh\n", False),  # the interpreter past the bytes read
        (b"#!/bin/\xffsh\n", False),
    ],
)
def test_a_shell_shebang_names_a_shell_directly_or_through_env(head, shell):
    assert shell_shebang(head) is shell


@pytest.mark.parametrize(
    ("path", "inside"),
    [
        ("mise-tasks/deploy", True),
        (".mise-tasks/a/b/deploy.sh", True),
        ("mise/tasks/deploy", True),
        (".mise/tasks/flux/bootstrap", True),
        (".config/mise/tasks/deploy", True),
        ("sub/.mise/tasks/deploy", True),  # mise reads the task folders of every parent folder
        ("my-mise-tasks/deploy", False),
        ("mise/deploy", False),
        (".mise/tasks", False),  # a file so named, not a folder
        ("tasks/deploy", False),
    ],
)
def test_mise_task_folders(path, inside):
    assert in_mise_tasks(path) is inside


def test_every_file_that_may_be_a_script_is_an_input_of_the_run_cache():
    files = {"scripts/bootstrap": True, "LICENSE": True, ".envrc": True, ".mise/tasks/a.py": False, "a.SH": False}
    files |= {"x.json": False, "README.md": False, "a.yaml": False, "Kustomization": True}
    assert {p: has_no_suffix(p) for p in files} == files
    # YAML files are in the run key; what else no name or place marks as read is not watched
    assert non_yaml_inputs(set(files)) == [".envrc", ".mise/tasks/a.py", "LICENSE", "a.SH", "scripts/bootstrap", "x.json"]


def test_a_head_is_read_in_bounds_from_a_regular_file_only(tmp_path: Path):
    big = tmp_path / "big"
    big.write_bytes(b"#!/bin/sh\n" + b"x" * 1_000_000)
    assert read_head(big, SHEBANG_BYTES) == (b"#!/bin/sh\n" + b"x" * 1_000_000)[:SHEBANG_BYTES]
    assert read_head(tmp_path, SHEBANG_BYTES) is None  # a folder
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    done: list[bytes | None] = []
    reader = threading.Thread(target=lambda: done.append(read_head(fifo, SHEBANG_BYTES)), daemon=True)
    reader.start()
    reader.join(5)
    assert done == [None]  # not blocked on a FIFO no one writes to
