"""ML/AI Notes: one import namespace, ``mlnotes.kb``, ``mlnotes.assistant``, ``mlnotes.algorithms``, ``mlnotes.eval``.

An installed wheel holds those packages (and the corpus, as package data) inside this folder. A source checkout
keeps them at the repository root (``kb/``, ``assistant/``, ...), beside this folder: then the root is added to the
package's search path, so that ``mlnotes.kb`` is ``<root>/kb`` with ``PYTHONPATH=<root>`` or an editable
install. Written by ``scripts/namespace.py``.
"""

from pathlib import Path as _Path

_HERE = _Path(__file__).resolve().parent
if not (_HERE / "kb").is_dir() and (_HERE.parent / "kb" / "__init__.py").is_file():
    __path__.append(str(_HERE.parent))  # noqa: F821 (a package's own __path__)
