"""Every exception gumd raises on purpose is defined in one of two files and drawn in its tree."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys

import pytest

import gumd.errors
import propositions.errors
from propositions.errors import GumdError

HOMES = {m.__name__: m for m in (propositions.errors, gumd.errors)}
PACKAGES = ("propositions", "gumd", "tui")


def _error_classes() -> dict[str, type[GumdError]]:
    """Every GumdError subclass defined in any module of the packages, by its qualified name."""
    found: dict[str, type[GumdError]] = {}
    for pkg in PACKAGES:
        module = importlib.import_module(pkg)
        names = [pkg] + [info.name for info in pkgutil.walk_packages(module.__path__, prefix=f"{pkg}.")]
        for name in names:
            for _, obj in inspect.getmembers(importlib.import_module(name), inspect.isclass):
                if issubclass(obj, GumdError):
                    found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return found


def _drawn(module: object) -> set[str]:
    """The class names in a module docstring's tree (the first word after the branch marks)."""
    names = set()
    for line in (module.__doc__ or "").splitlines():
        stripped = line.lstrip(" │├└─")
        if stripped != line.lstrip() or line.startswith("    GumdError"):
            names.add(stripped.split()[0] if stripped else "")
    return names


def test_every_error_lives_in_an_errors_module_and_is_drawn_there() -> None:
    classes = _error_classes()
    assert len(classes) >= 30, "the walk found the errors"
    for qualname, cls in classes.items():
        assert cls.__module__ in HOMES, (
            f"{qualname}: define it in propositions/errors.py (the library's) or gumd/errors.py (the app's)")
        assert cls.__name__ in _drawn(HOMES[cls.__module__]), (
            f"{cls.__name__}: draw it in the tree of {cls.__module__}'s docstring")


def test_the_trees_draw_only_what_exists_and_in_the_right_place() -> None:
    """A drawn name is a class of that file (or, in gumd's tree, a library class it hangs from)."""
    for name in _drawn(propositions.errors):
        assert issubclass(getattr(propositions.errors, name), GumdError), name
    for name in _drawn(gumd.errors):
        assert issubclass(getattr(gumd.errors, name, None) or getattr(propositions.errors, name), GumdError), name


def test_the_old_homes_still_export_the_names() -> None:
    from gumd.api.errors import ApiError, ServeError
    from gumd.health import AlreadyRunning
    from gumd.observers.x11 import DisplayUnavailable
    from gumd.paths import HomeNotWritable
    from gumd.autostart import NoUserManager
    from gumd.settings import ConfigError
    from propositions.actions import ActionError
    from propositions.backends.base import BackendError, BackendUnavailable, MalformedOutput
    from propositions.screen import ImageError, OcrError, OcrUnavailable

    assert issubclass(MalformedOutput, BackendError) and issubclass(BackendUnavailable, BackendError)
    assert issubclass(OcrUnavailable, OcrError) and issubclass(ImageError, propositions.errors.InvalidInput)
    assert issubclass(ConfigError, propositions.errors.InvalidInput)
    for cls in (ApiError, ServeError, AlreadyRunning, DisplayUnavailable, HomeNotWritable, NoUserManager,
                ActionError):
        assert cls.__module__ in HOMES


def test_an_error_defined_elsewhere_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """The walk sees a GumdError subclass in any module (so the rule above can fail)."""
    stray = type("StrayError", (GumdError,), {"__module__": "propositions.screen"})
    monkeypatch.setattr(sys.modules["propositions.screen"], "StrayError", stray, raising=False)
    assert _error_classes()["propositions.screen.StrayError"] is stray
