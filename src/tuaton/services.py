"""Build every service once per process, from the settings, and hand them to the routes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tuaton.agencies.service import Agencies
from tuaton.audit.trail import AuditSequencer
from tuaton.biometrics.faces import Face, FaceEngine, default_engine
from tuaton.biometrics.fingerprints import FingerprintMatcher, MinutiaeMatcher
from tuaton.card.service import Cards
from tuaton.citizen.service import CitizenSelfService
from tuaton.dashboard.service import NationalDashboard
from tuaton.identity.passcode_verifier import make_passcode_verifier
from tuaton.identity.service import Identities
from tuaton.mail import Mailer, make_mailer
from tuaton.officers.service import Officers
from tuaton.oidc.ciba import Backchannel
from tuaton.oidc.client_keys import ClientKeys
from tuaton.oidc.clients import Clients
from tuaton.oidc.dpop import Nonces
from tuaton.oidc.grants import Grants
from tuaton.oidc.keys import SigningKeys
from tuaton.oidc.subject import installation_secret
from tuaton.organisations.service import Organisations
from tuaton.portal.sessions import PortalSessions
from tuaton.programme.service import Programme
from tuaton.proofing.card_reader import CardReader, PcscCardReader, SimulatedCardReader
from tuaton.proofing.office_enrolment import OfficeEnrolments
from tuaton.proofing.self_enrolment import SelfEnrolments
from tuaton.registry.fingerprints import RegistryFingerprints, SyntheticRegistryFingerprints
from tuaton.registry.photos import RegistryPhotos, SyntheticRegistryPhotos
from tuaton.registry.records import Registry
from tuaton.registry.sql_registry import SqlRegistry
from tuaton.settings import Settings
from tuaton.signin.approval import Approvals
from tuaton.signin.service import Signins
from tuaton.storage.db import Database
from tuaton.storage.ephemeral import EphemeralStore, make_store


@dataclass
class Services:
    settings: Settings
    database: Database
    store: EphemeralStore
    registry: Registry
    identities: Identities
    clients: Clients
    keys: SigningKeys
    grants: Grants
    signins: Signins
    enrolments: SelfEnrolments
    officers: Officers
    office: OfficeEnrolments
    portal_sessions: PortalSessions
    agencies: Agencies
    citizens: CitizenSelfService
    dashboard: NationalDashboard
    cards: Cards
    backchannel: Backchannel
    audit: AuditSequencer
    #: DPoP's server nonces (RFC 9449 §8), the same in every process.
    dpop_nonces: Nonces
    #: private_key_jwt clients' keys, pasted or fetched from their jwks_uri.
    client_keys: ClientKeys
    #: The e-Service programme office's catalogue and KPI.
    programme: Programme
    mailer: Mailer
    #: Agencies as organisations: members, proof of authority, officials.
    organisations: Organisations

    def close(self) -> None:
        self.database.dispose()


def build_services(settings: Settings, *, database: Database | None = None,
                   store: EphemeralStore | None = None, migrate: bool = True,
                   photos: RegistryPhotos | None = None, faces: FaceEngine | None = None,
                   card_reader: CardReader | None = None, fingerprints: RegistryFingerprints | None = None,
                   fingerprint_matcher: FingerprintMatcher | None = None, mailer: Mailer | None = None) -> Services:
    database = database or Database(settings)
    if migrate:
        database.create_schema()
    store = store or make_store(settings.redis_url, settings.redis_prefix)
    registry = SqlRegistry(database)
    hasher = make_passcode_verifier(settings)
    identities = Identities(database, registry, hasher, settings)
    clients = Clients(database)
    keys = SigningKeys(database, settings.key_overlap, settings.key_cache_seconds)
    keys.ensure()
    grants = Grants(database, store, keys, registry, identities, settings,
                    installation_secret(database, "pairwise"))
    approvals = Approvals(database, store, identities, grants)
    signins = Signins(store, approvals, grants, clients, settings)
    # The face engine loads dlib's models on first use, not at start-up.
    photos = photos or SyntheticRegistryPhotos()
    enrolments = SelfEnrolments(database, store, registry, photos, faces or LazyFaceEngine(settings), hasher,
                                settings)
    officers = Officers(database, store, settings)
    reader = card_reader or make_card_reader(settings, registry, photos, store)
    office = OfficeEnrolments(database, store, registry, reader, fingerprints or SyntheticRegistryFingerprints(),
                              fingerprint_matcher or MinutiaeMatcher(settings.fingerprint_match_threshold), settings)
    mailer = mailer or make_mailer(settings.smtp_url, settings.mail_from)
    programme = Programme(database, clients, settings, mailer)
    organisations = Organisations(database, store, mailer, settings, programme.organisation)
    agencies = Agencies(database, clients, settings, organisations, mailer)

    def official_of(pid: str, client_id: str) -> dict | None:
        organisation = agencies.organisation_of_client(client_id)
        return organisations.official_claim(pid, organisation) if organisation else None

    grants.official_of = official_of     # the `official` claim, for an organisation's own clients
    citizens = CitizenSelfService(database, store, registry, grants, settings)
    dashboard = NationalDashboard(database, store, settings)
    cards = Cards(database, store, registry, photos, identities, keys, settings)
    citizens.device_locked = cards.invalidate_status_lists
    return Services(settings, database, store, registry, identities, clients, keys, grants, signins, enrolments,
                    officers, office, PortalSessions(store, settings), agencies, citizens, dashboard, cards,
                    Backchannel(database, store, identities, grants, approvals, clients, settings),
                    AuditSequencer(database, keys.sign_compact),
                    Nonces(installation_secret(database, "dpop-nonce")), ClientKeys(store),
                    programme, mailer, organisations)


def make_card_reader(settings: Settings, registry: Registry, photos: RegistryPhotos,
                     store: EphemeralStore) -> CardReader:
    kind = settings.card_reader or ("simulated" if settings.sandbox else "pcsc")
    if kind == "pcsc":
        return PcscCardReader(settings.card_reader_name)
    if kind == "simulated":
        return SimulatedCardReader(registry, photos, store)
    raise ValueError(f"TUATON_CARD_READER must be 'simulated' or 'pcsc', not {kind!r}")


class LazyFaceEngine:
    """The configured engine, loaded when the first selfie arrives (the models take a second)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def _engine(self) -> FaceEngine:
        s = self._settings
        return default_engine(s.face_engine, s.face_batch_window_ms, s.face_max_batch, s.face_threads)

    def faces(self, image: np.ndarray) -> list[Face]:
        return self._engine().faces(image)

    def distance(self, a: np.ndarray, b: np.ndarray) -> float:
        return self._engine().distance(a, b)
