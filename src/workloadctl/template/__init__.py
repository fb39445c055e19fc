"""The `.devcontainer/` + `workloads/` template that `workloadctl init` writes."""
