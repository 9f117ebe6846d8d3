"""Mirrors sagemaker.amazon, for the v1 name get_image_uri."""
