"""Widgets: they display the model and forward user intent as commands."""
