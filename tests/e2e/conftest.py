"""Tuaton and the demo e-Service, both served for real on loopback ports."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import pytest

from tests.live import free_port, thread_server
from tuaton.appclient.client import AppClient, DeviceFile
from tuaton.demo import DEMO_CLIENT_ID, DEMO_SCOPES
from tuaton.demo_eservice.app import create_demo_eservice
from tuaton.services import build_services
from tuaton.storage.ephemeral import MemoryStore, RedisStore
from tuaton.web import create_app

PASSCODE = "50738261"


@dataclass
class LiveSystem:
    issuer: str
    eservice: str
    device: DeviceFile
    persona: dict
    #: The live Tuaton's ephemeral store (to lose its state, as a Redis restart does).
    store: object = None


@pytest.fixture
def live_system(services, settings, database, persona):
    port, eservice_port = free_port(), free_port()
    issuer, eservice_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{eservice_port}"
    live_settings = settings.model_copy(update={"issuer": issuer})
    store = RedisStore(settings.redis_url, settings.redis_prefix) if settings.redis_url else MemoryStore()
    live = build_services(live_settings, database=database, store=store, migrate=False)
    secret = secrets.token_urlsafe(32)
    live.clients.create(client_id=DEMO_CLIENT_ID, client_secret=secret, name_en="Civil registration check (demo)",
                        name_th="ตรวจสอบข้อมูลทะเบียนราษฎร (ตัวอย่าง)", redirect_uris=[f"{eservice_url}/callback"],
                        post_logout_redirect_uris=[f"{eservice_url}/"], scopes=DEMO_SCOPES)
    with thread_server(create_app(services=live), port), \
            thread_server(create_demo_eservice(issuer, DEMO_CLIENT_ID, secret, eservice_url), eservice_port):
        device = AppClient(issuer).enroll_card_data_only(persona["pid"], PASSCODE)
        yield LiveSystem(issuer, eservice_url, device, persona, store)
