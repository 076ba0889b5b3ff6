"""Training recipes: how this project's own models are made, outside the library (demo/: the `demo` model).

Not installed with the package: run from the repository root (`python -m recipes.demo …`); see demo/README.md.
"""
