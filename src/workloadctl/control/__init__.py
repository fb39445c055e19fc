"""The manager-neutral control layer: one view of the stack and one way to act on it.

- `states`: every native state of supervisord and process-compose mapped to one word.
- `status`: collect the managers' s6 state, their decisions and every program, concurrently.
- `names`: find which manager runs a program (reused by `reload` and `attach`).
- `actions`: start/stop/restart a program or a manager, and wait for the result.
- `logs`, `creds`: a program's output; how to log in to the web UI and the API.
- `reload_*`: validate and apply an edited config without restarting the manager.
"""
