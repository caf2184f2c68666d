"""Readers and writers: the project file, exports and imports. No Qt."""
