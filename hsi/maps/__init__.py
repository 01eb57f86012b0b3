"""Classification maps of a scene: rendering and export (the prediction itself is in :mod:`hsi.train.predict`)."""

from hsi.maps.export import export_envi_classification, export_predictions
from hsi.maps.render import render_maps

__all__ = ["export_envi_classification", "export_predictions", "render_maps"]
