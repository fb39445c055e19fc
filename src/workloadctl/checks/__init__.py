"""Static config checks: one loader per format, shared by `validate`, the launcher and `reload`.

- `supervisord`: a supervisord .conf, judged by Supervisor's own parser plus our checks.
- `process_compose`: a process-compose .yaml, our typed model of v1.122.0's config.
- `s6rc`: an s6-rc source tree (`.devcontainer/s6-rc.d`).
- `cross_manager`: rules between the programs of both managers.
- `layout`: which of the above files a repository has, checked together.
"""
