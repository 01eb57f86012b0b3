"""Thin command-line entry points: parse the config, call the library, report errors plainly."""
