"""Clients for the live managers of a stack, with the credentials `boot` generated."""

from __future__ import annotations

from workloadctl.clients.process_compose import ProcessComposeClient
from workloadctl.clients.supervisord import SupervisordClient
from workloadctl.managers.environment import (
    process_compose_token_path,
    read_secret,
    supervisor_user,
    supervisord_password_path,
)
from workloadctl.settings import Settings


def supervisord_client(settings: Settings, timeout: float = 10.0) -> SupervisordClient:
    return SupervisordClient(
        settings.supervisord_socket,
        supervisor_user(settings),
        read_secret(supervisord_password_path(settings)),
        timeout=timeout,
        access_group=settings.control_group,
    )


def process_compose_client(settings: Settings, timeout: float = 10.0) -> ProcessComposeClient:
    return ProcessComposeClient(
        settings.process_compose_socket,
        read_secret(process_compose_token_path(settings)),
        timeout=timeout,
        access_group=settings.control_group,
    )
