"""The edit path: a run's result taken from the last run when no changed file changed what a check
can see of it.

A kept run record (runner.run_record) says, besides its findings, what it was made of: its frame
(everything the run key covers but the YAML contents: version, config, rules, selection, the tree,
the other inputs), each YAML file's content digest with its layout fingerprint and last line
(filefacts.layout), and the files the model or a check read as bytes (`raw`: their comments may
count). When the frame is the same and each changed file keeps its fingerprint, is not in `raw`, and
has no finding past its last line, every finding is the same: the documents, every position up to
the last line and every other input are. Only the suppressions, applied after the checks, are taken
from the changed files.
"""

from __future__ import annotations

from typing import Any

MAX_CHANGED = 32  # more changed files: the load and its parallel parse are the faster way


def changed_files(record: dict[str, Any], frame: str, digests: dict[str, str]) -> list[str] | None:
    """The files whose content differs from the kept run's (None when that run is not of this
    frame or file list, or when too many changed)."""
    layouts = record.get("layouts")
    if record.get("frame") != frame or not isinstance(layouts, dict) or layouts.keys() != digests.keys():
        return None
    try:
        changed = sorted(path for path, digest in digests.items() if layouts[path][0] != digest)
    except (TypeError, IndexError, KeyError):  # not of the shape run_record writes
        return None
    return changed if len(changed) <= MAX_CHANGED else None


def reused(record: dict[str, Any], fresh: dict[str, tuple[str, str, int, Any]]) -> dict[str, Any] | None:
    """The kept run `record` as the result of the tree where each file of `fresh` is now (content
    digest, layout fingerprint, last line, suppressions as plain data or None); None when a file
    of `fresh` changed what a check can see."""
    layouts = record["layouts"]
    raw = record.get("raw")
    if not isinstance(raw, list):
        return None
    read = set(raw)
    for path, (_, fingerprint, _, _) in fresh.items():
        old = layouts.get(path)
        if path in read or not _entry(old) or not fingerprint or old[1] != fingerprint:
            return None
    for finding in record["findings"]:
        path, span = finding[1], finding[2]
        if path in fresh:
            last = layouts[path][2]
            if not (isinstance(span, tuple) and len(span) == 4) or span[0] > last or span[2] > last:
                return None  # a span that may end past the last line (after trailing comments)
    suppressions = dict(record["suppressions"])
    new_layouts = dict(layouts)
    for path, (digest, fingerprint, last, found) in fresh.items():
        if found:
            suppressions[path] = found
        else:
            suppressions.pop(path, None)
        new_layouts[path] = (digest, fingerprint, last)
    return {**record, "suppressions": suppressions, "layouts": new_layouts}


def _entry(value: Any) -> bool:
    return isinstance(value, tuple) and len(value) == 3 and isinstance(value[0], str) and isinstance(value[2], int)
