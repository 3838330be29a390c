"""Shared helpers with no domain of their own: text folding, cell parsing, YAML files, provinces."""
