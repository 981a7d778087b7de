"""Inference: encode customers, export the fitted pipeline to ONNX, load and score a version."""
