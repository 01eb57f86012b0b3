"""Hydra configs shipped inside the package (see pyproject.toml)."""
