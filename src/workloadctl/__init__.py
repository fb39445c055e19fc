"""workloadctl: supervisord and process-compose side by side under s6, impossible to kill by accident."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("workloadctl")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
