"""hsi: train and evaluate hyperspectral image classifiers from the command line."""

__version__ = "0.1.0"
