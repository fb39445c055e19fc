"""The real dev container: `.devcontainer/Dockerfile` built with podman (buildah), run
with s6-overlay's `/init` as PID 1 under runc, the way docker-compose.yml runs it."""
