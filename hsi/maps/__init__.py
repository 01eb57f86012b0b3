"""Full-scene prediction, rendering of classification maps, and their export."""

from hsi.maps.export import export_envi_classification, export_predictions
from hsi.maps.predict import predict_scene
from hsi.maps.render import render_maps

__all__ = ["export_envi_classification", "export_predictions", "predict_scene", "render_maps"]
