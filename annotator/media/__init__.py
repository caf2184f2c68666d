"""Qt-free, frame-exact media engine: PyAV decoding keyed by real presentation timestamps."""
