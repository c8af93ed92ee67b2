"""Loading a repository's files: the walk, safe reads, YAML parsing, positions."""
