"""Docks around the player and timeline: AU palette, faces, events table, emotions, history."""
