# Copied from custom_components/aisthos/engine by scripts/sync-addon: do not edit.
"""AisthOS engine: Sparks and learning as plain Python.

Nothing in this package imports Home Assistant, so it is fast to test and the
add-on can run the very same code.
"""
