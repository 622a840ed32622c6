"""Tests of the AisthOS add-on (addon/aisthos_addon)."""
