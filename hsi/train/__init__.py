"""The training loop, device and precision choice, checkpoints."""

from hsi.train.checkpoint import load_checkpoint, save_checkpoint
from hsi.train.precision import resolve_device, resolve_precision
from hsi.train.trainer import Trainer

__all__ = ["Trainer", "load_checkpoint", "resolve_device", "resolve_precision", "save_checkpoint"]
