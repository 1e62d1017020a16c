"""Every exception the gumd application adds to the library's (propositions/errors.py), in one place.

    GumdError (propositions.errors)
    ├── InvalidInput (propositions.errors)
    │   └── ConfigError          the config file or a GUMD_* variable holds an unusable value
    ├── HomeNotWritable          the data home is read-only or full, and this command must write
    ├── AlreadyRunning           another daemon holds this home's lock
    ├── ServiceError             the service manager is missing or refused a command
    │   └── NoUserManager        systemctl --user has no user manager here
    ├── DisplayUnavailable       the X display cannot be opened, or its connection died
    ├── MacOSUnavailable         the macOS window source cannot run here
    ├── InputUnavailable         input cannot be listened to here
    ├── ApiError                 a request the API refuses (400 unless a subclass says otherwise)
    │   ├── Unauthorized         401: no bearer token, or the wrong one
    │   ├── Forbidden            403: a Host header that is not this server, or a feature turned off
    │   ├── TooLarge             413: the request body is over the limit
    │   └── NotConfigured        501: the endpoint needs something this daemon was not given
    ├── ServeError               the API server cannot start (port in use, an address not loopback)
    └── SetupError               a step of `gumd model setup` failed (hub, disk, model test)
        └── ChecksumMismatch     a downloaded file is not the file the hub lists

ConfigError is an InvalidInput: a value the user gave cannot be used, and an
adapter that maps the library's errors (the API's ``status_of``) treats it so.
The classes are also importable from the modules that raise them (settings,
paths, health, autostart, observers, api.errors, model_setup). Every message is one line.
"""

from __future__ import annotations

from propositions.errors import GumdError, InvalidInput


class ConfigError(InvalidInput):
    """The config file or a GUMD_* variable holds an unusable value."""


class HomeNotWritable(GumdError):
    """The data home is read-only (or full), so a command that must write there cannot run."""


class AlreadyRunning(GumdError):
    """Another gumd daemon holds this home's lock."""


class ServiceError(GumdError):
    """The service manager is missing, refused a command, or this OS has none gumd supports."""


class NoUserManager(ServiceError):
    """systemctl --user has no user manager to talk to here (a container, su, ssh without lingering)."""


class DisplayUnavailable(GumdError):
    """The X display cannot be opened, or its connection died."""


class MacOSUnavailable(GumdError):
    """The macOS window source cannot run here (not macOS, or pyobjc is missing)."""


class InputUnavailable(GumdError):
    """Input cannot be listened to here; the message says how to fix it."""


class ApiError(GumdError):
    """A request the API refuses; ``status`` is the HTTP status it answers with."""

    status = 400


class Unauthorized(ApiError):
    status = 401


class Forbidden(ApiError):
    status = 403


class TooLarge(ApiError):
    status = 413


class NotConfigured(ApiError):
    status = 501


class ServeError(GumdError):
    """The API server could not start."""


class SetupError(GumdError):
    """A step of `gumd model setup` failed; the message says which and what to do."""


class ChecksumMismatch(SetupError):
    """A downloaded file is not the file the hub lists."""
