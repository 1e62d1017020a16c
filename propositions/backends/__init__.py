"""Model backends behind one protocol; ``make_backend`` picks one from a BackendConfig."""

from __future__ import annotations

from .base import (
    Backend,
    BackendConfig,
    BackendError,
    BackendUnavailable,
    CallStats,
    MalformedOutput,
)

KINDS = ("statistical", "openai", "mlx", "llamacpp")


def make_backend(config: BackendConfig) -> Backend:
    """The configured model backend. ``statistical`` has none: ask for the inferrer instead."""
    if config.kind == "openai":
        from .openai import OpenAIBackend

        return OpenAIBackend(config)
    if config.kind == "mlx":
        from .mlx import MLXBackend

        return MLXBackend(config)
    if config.kind == "llamacpp":
        from .llamacpp import LlamaCppBackend

        return LlamaCppBackend(config)
    raise BackendError(
        f"no model backend of kind {config.kind!r}; use one of {', '.join(KINDS[1:])}"
    )


__all__ = [
    "KINDS",
    "Backend",
    "BackendConfig",
    "BackendError",
    "BackendUnavailable",
    "CallStats",
    "MalformedOutput",
    "make_backend",
]
