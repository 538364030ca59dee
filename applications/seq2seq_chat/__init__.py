"""Sequence-to-sequence chat bot with attention on the ChatterBot corpus."""
