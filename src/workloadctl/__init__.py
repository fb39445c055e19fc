"""workloadctl: supervisord and process-compose side by side under s6, impossible to kill by accident."""

# The one place the version is written; pyproject.toml reads it from here. A literal, not
# importlib.metadata: every s6 start of a manager runs workloadctl, and that lookup costs ~30 ms.
__version__ = "0.1.0"
