"""Running the checks: the runner, selection, baseline, cache, fork, fixes, explain."""
