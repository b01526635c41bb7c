"""nnviz's data files: icons, the stylesheet, the digits data set, example projects, desktop integration.

This folder is the one source of them. It ships inside the wheel as the package ``nnviz._resources``
(pyproject.toml maps it there), and a source checkout reads it in place under the same name: code
reaches every file through ``nnviz.resources`` (``importlib.resources``), never through a path of its own.
"""
