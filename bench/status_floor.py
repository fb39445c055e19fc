"""The floor of `status` in Python: the same questions (supervisord's
`getAllProcessInfo`, process-compose's `GET /processes`) asked at the same time by a
script that imports only what asking needs, supervisord asked through Supervisor's own
transport as workloadctl must (its import is part of the floor). bench.py times it
beside `status --json`.
Usage: python bench/status_floor.py RUN_DIR TOKEN_FILE
"""

import http.client
import json
import socket
import sys
import threading
import xmlrpc.client
from typing import Any


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=5)
        self.socket_path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(self.socket_path)


def main() -> int:
    run_dir, token_file = sys.argv[1:3]
    answers: dict[str, Any] = {}

    def supervisord() -> None:
        from supervisor.xmlrpc import SupervisorTransport

        transport = SupervisorTransport(None, None, f"unix://{run_dir}/supervisord.sock")
        proxy = xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)
        answers["supervisord"] = proxy.supervisor.getAllProcessInfo()

    def process_compose() -> None:
        connection = UnixConnection(f"{run_dir}/process-compose.sock")
        with open(token_file) as token:
            connection.request(
                "GET", "/processes", headers={"X-PC-Token-Key": token.read().strip()}
            )
        answers["process-compose"] = json.loads(connection.getresponse().read())

    threads = [threading.Thread(target=ask) for ask in (supervisord, process_compose)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return 0 if len(answers) == 2 else 1


if __name__ == "__main__":
    raise SystemExit(main())
