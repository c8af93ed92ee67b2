"""The model of a repository: its config, kustomize, Flux, variables, references, the resource graph, versions, schemas."""
