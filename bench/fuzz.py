#!/usr/bin/env python3
"""Mutation fuzzer: mutate the demo repo's manifests and assert homelint never crashes.

    python bench/fuzz.py --minutes 10        # run for ten minutes
    python bench/fuzz.py --iterations 200    # or a fixed count; --seed for reproducibility

Each input: pick a YAML file of fixtures/demo, apply 1-8 byte/line mutations (delete, duplicate,
insert YAML punctuation, aliases, placeholders, random bytes), run the full check in-process, and
fail on an internal error (HL000), an exception, or a finding with an impossible position. The
input that failed is written to bench/fuzz-crashes/ (git-ignored); a fixed one belongs in
tests/data/fuzz/, where tests/test_robustness.py replays it.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CRASHES = ROOT / "bench" / "fuzz-crashes"  # git-ignored
sys.path.insert(0, str(ROOT / "src"))

from homelint.engine.lint import Options, run_check  # noqa: E402

TOKENS = [
    b":",
    b"- ",
    b"\n",
    b"  ",
    b"[",
    b"]",
    b"{",
    b"}",
    b"&a ",
    b"*a",
    b"<<: *a\n",
    b"'",
    b'"',
    b"\t",
    b"${",
    b"${X}",
    b"$${Y}",
    b"${a.b}",
    b"{{ x }}",
    b"#{ y }#",
    b"---\n",
    b"? ",
    b"!!binary ",
    b"\xff",
    b"\x00",
    b"%YAML 1.1\n",
]


def mutate(data: bytes, rng: random.Random) -> bytes:
    for _ in range(rng.randint(1, 8)):
        at = rng.randint(0, max(len(data) - 1, 0))
        choice = rng.random()
        if choice < 0.3:
            data = data[:at] + data[at + rng.randint(1, 20) :]
        elif choice < 0.6:
            data = data[:at] + rng.choice(TOKENS) + data[at:]
        elif choice < 0.8:
            lines = data.split(b"\n")
            i = rng.randrange(len(lines))
            lines.insert(rng.randrange(len(lines) + 1), lines[i])
            data = b"\n".join(lines)
        else:
            data = data[:at] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 4))) + data[at:]
    return data


def save_crash(data: bytes, seed: int, iteration: int) -> Path:
    CRASHES.mkdir(parents=True, exist_ok=True)
    path = CRASHES / f"seed{seed}-{iteration}.yaml"
    path.write_bytes(data)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=0)
    parser.add_argument("--iterations", type=int, default=0)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    deadline = time.monotonic() + args.minutes * 60 if args.minutes else None
    limit = args.iterations or (None if deadline else 100)
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        shutil.copytree(ROOT / "fixtures" / "demo", repo)
        files = sorted(p for p in repo.rglob("*.yaml") if p.name != ".homelint.yaml")  # config errors exit 2 by design
        originals = {p: p.read_bytes() for p in files}
        count = 0
        while (limit is None or count < limit) and (deadline is None or time.monotonic() < deadline):
            target = rng.choice(files)
            mutated = mutate(originals[target], rng)
            target.write_bytes(mutated)
            try:
                result = run_check(Options(paths=[repo], use_cache=False))
            except Exception as exc:
                print(f"CRASH seed={seed} iteration={count} file={target.relative_to(repo)}: {exc!r}")
                print(f"input: {save_crash(mutated, seed, count)}")
                return 1
            for finding in result.findings:
                if finding.rule == "HL000" or finding.span.line < 1 or finding.span.column < 1:
                    print(f"BAD FINDING seed={seed} iteration={count}: {finding}")
                    print(f"input: {save_crash(mutated, seed, count)}")
                    return 1
            target.write_bytes(originals[target])
            count += 1
    print(f"fuzz: {count} inputs, no crash (seed {seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
