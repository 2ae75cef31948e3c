"""Reading the Thai ID card's chip: the APDU conversation, a real PC/SC stack with a virtual card,
and the sandbox's simulated reader."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tuaton.proofing.virtual_card as virtual_card_module
from tests.conftest import unavailable
from tuaton.proofing.card_reader import PcscCardReader, SimulatedCardReader, chip_card_for
from tuaton.proofing.chip import (
    SELECT,
    ChipCard,
    ChipError,
    ThaiIdCardApplet,
    decode_date,
    encode_date,
    read_chip,
    split_name,
)
from tuaton.registry.photos import SyntheticRegistryPhotos

PCSCD_SOCKET = Path("/run/pcscd/pcscd.comm")
SYSTEM_PYTHON = "/usr/bin/python3"


def _card(**changes) -> ChipCard:
    card = ChipCard(pid="1101700207030", title_th="นาย", given_name_th="สมชาย", middle_name_th="",
                    family_name_th="ใจดี", title_en="Mr.", given_name_en="Somchai", middle_name_en="",
                    family_name_en="Jaidee", birth_date=dt.date(1985, 3, 14), sex="male",
                    issuer="สำนักทะเบียนอำเภอเมืองเชียงใหม่", issued_on=dt.date(2022, 6, 1),
                    expires_on=dt.date(2031, 3, 13), address="99/1 หมู่ 4 ตำบลสุเทพ อำเภอเมืองเชียงใหม่",
                    photo=b"\xff\xd8" + bytes(range(256)) * 8 + b"\xff\xd9")
    return dataclasses.replace(card, **changes)


# -- the APDU conversation, in-process ----------------------------------------------------------
def test_reading_the_applet_gives_back_every_field_and_the_photo():
    card = _card()
    applet = ThaiIdCardApplet(card)
    assert read_chip(applet.transmit, applet.ATR) == card


def test_a_lifelong_card_has_no_expiry():
    applet = ThaiIdCardApplet(_card(expires_on=None))
    assert read_chip(applet.transmit, applet.ATR).expires_on is None


def test_the_applet_refuses_reads_before_select_and_unknown_instructions():
    applet = ThaiIdCardApplet(_card())
    assert applet.execute(bytes.fromhex("80B0000402000D")) == b"\x69\x85"
    assert applet.execute(SELECT)[:1] == b"\x61"
    assert applet.execute(bytes.fromhex("00B0000000")) == b"\x6d\x00"


def test_a_card_without_the_thai_applet_is_not_a_thai_id_card():
    def other_card(apdu: bytes) -> tuple[bytes, int, int]:
        return b"", 0x6A, 0x82
    with pytest.raises(ChipError) as caught:
        read_chip(other_card, b"\x3b\x00")
    assert caught.value.reason == "not_thai_id_card"


def test_a_read_error_midway_is_reported():
    applet = ThaiIdCardApplet(_card())
    calls = []

    def flaky(apdu: bytes) -> tuple[bytes, int, int]:
        calls.append(apdu)
        return (b"", 0x6F, 0x00) if len(calls) == 6 else applet.transmit(apdu)
    with pytest.raises(ChipError) as caught:
        read_chip(flaky, applet.ATR)
    assert caught.value.reason == "read_failed"


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2400, 12, 31)))
def test_chip_dates_are_buddhist_era_and_round_trip(day):
    raw = encode_date(day)
    assert int(raw[:4]) == day.year + 543 and decode_date(raw) == day


@given(st.binary(max_size=12))
def test_a_malformed_chip_date_is_a_read_failure_not_a_crash(raw):
    try:
        decode_date(raw)
    except ChipError as exc:
        assert exc.reason == "read_failed"


@given(st.lists(st.text(alphabet="กขคงจฉชซญณดตถทนบปผพฟมยรลวศสหอะาิีึืุูเแโใไ่้๊๋็์ABCxyz.-", max_size=12),
                min_size=4, max_size=4))
def test_names_split_into_title_given_middle_family(parts):
    title, given_name, middle, family = (p.replace("#", "") for p in parts)
    assert split_name(f"{title}#{given_name}#{middle}#{family}") == (title.strip(), given_name.strip(),
                                                                     middle.strip(), family.strip())


# -- the sandbox's simulated reader -----------------------------------------------------------
def test_the_simulated_reader_reads_the_registry_card_of_the_inserted_citizen(services, persona):
    reader = SimulatedCardReader(services.registry, SyntheticRegistryPhotos(), services.store)
    with pytest.raises(ChipError) as caught:
        reader.read("station-1")
    assert caught.value.reason == "no_card"
    reader.insert("station-1", persona["pid"])
    card = reader.read("station-1")
    assert (card.pid, card.given_name_th, card.family_name_en) == (
        persona["pid"], persona["given_name_th"], persona["family_name_en"])
    assert card.photo.startswith(b"\xff\xd8") and card.photo.endswith(b"\xff\xd9")
    with pytest.raises(ChipError):
        reader.read("station-2")                       # another station's reader is empty


# -- PC/SC: pcscd with vsmartcard's virtual reader, and a virtual card --------------------------
VPCD_PORT = 35963


def _wait_for_vpcd(seconds: float = 15.0) -> None:
    """pcscd loads vsmartcard's reader driver after its socket appears, and the driver then listens
    on 127.0.0.1:35963 for a virtual card: wait for that, not a fixed time (a loaded machine is slow)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex(("127.0.0.1", VPCD_PORT)) == 0:
                time.sleep(0.2)       # the driver takes the probe as a card that left: let it settle
                return
        time.sleep(0.1)
    pytest.fail(f"pcscd runs but vsmartcard's reader is not listening on port {VPCD_PORT} after {seconds:.0f} s",
                pytrace=False)


def _wait_until_vpcd_port_is_free(seconds: float = 75.0) -> None:
    """vsmartcard's driver binds port 35963 once, when pcscd loads it, without SO_REUSEADDR. The port
    lies in Linux's ephemeral range, so after the suite's thousands of loopback connections one of
    them may sit in TIME_WAIT on it (up to 60 s), the bind fails and the reader never listens (a CI
    run saw exactly that). Wait until the port can be bound before starting pcscd."""
    deadline = time.monotonic() + seconds
    while True:
        with socket.socket() as trial:
            try:
                trial.bind(("127.0.0.1", VPCD_PORT))
                return
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"port {VPCD_PORT}, vsmartcard's reader's, is still taken after {seconds:.0f} s",
                                pytrace=False)
        time.sleep(0.5)


@pytest.fixture(scope="module")
def pcscd():
    if not (Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so").exists() and shutil.which("pcscd")):
        unavailable("pcscd with vsmartcard-vpcd", "the Debian packages are not installed; run `make system`")
    started = None
    if not PCSCD_SOCKET.exists():
        _wait_until_vpcd_port_is_free()
        command = ["pcscd", "--foreground"] if os.geteuid() == 0 else ["sudo", "-n", "pcscd", "--foreground"]
        started = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(50):
            if PCSCD_SOCKET.exists():
                break
            time.sleep(0.1)
        else:
            started.kill()
            unavailable("pcscd", "it could not be started (run it as root, or allow `sudo -n pcscd`)")
    try:
        _wait_for_vpcd()
        yield
    finally:                                  # a pcscd this module started goes with it, even on failure
        if started is not None:
            started.terminate()
            started.wait(5)


@pytest.fixture
def virtual_card(pcscd, tmp_path):
    """Insert a card into vsmartcard's virtual reader for the length of a test."""
    processes = []

    def insert(card: ChipCard | None, *, not_thai: bool = False):
        data = {f.name: getattr(card, f.name) for f in dataclasses.fields(card)} if card else {}
        if card:
            data = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in data.items()}
            data["photo"] = base64.b64encode(card.photo).decode()
        path = tmp_path / "card.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        command = [SYSTEM_PYTHON, virtual_card_module.__file__, str(path)] + (["--not-thai"] if not_thai else [])
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        processes.append(process)
        line = process.stdout.readline()
        if "inserted" not in line:
            process.kill()
            pytest.fail(f"the virtual card did not start: {line}{process.stderr.read()[-2000:]}")
        _wait_for_card(present=True)                     # pcscd polls the reader for the new card
        return process

    yield insert
    for process in processes:
        process.kill()
        process.wait(5)
    _wait_for_card(present=False)


def _card_present() -> bool:
    from smartcard.Exceptions import CardConnectionException, NoCardException
    from smartcard.System import readers
    for reader in readers():
        connection = reader.createConnection()
        try:
            connection.connect()
        except (NoCardException, CardConnectionException):
            continue
        else:
            connection.disconnect()
            return True
        finally:
            connection.release()
    return False


def _wait_for_card(*, present: bool, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while _card_present() != present:
        if time.monotonic() > deadline:
            pytest.fail(f"pcscd did not see the virtual card {'arrive' if present else 'go'} in {seconds} s")
        time.sleep(0.2)


def test_a_real_pcsc_stack_reads_the_virtual_thai_id_card(virtual_card, services, persona):
    card = chip_card_for(services.registry, SyntheticRegistryPhotos(), persona["pid"])
    virtual_card(card)
    assert PcscCardReader().read("station-1") == card


def test_pcsc_with_an_empty_reader_says_no_card(pcscd):
    _wait_for_card(present=False)
    with pytest.raises(ChipError) as caught:
        PcscCardReader().read("station-1")
    assert caught.value.reason == "no_card"


def test_pcsc_with_a_card_of_another_kind_says_so(virtual_card):
    virtual_card(None, not_thai=True)
    with pytest.raises(ChipError) as caught:
        PcscCardReader().read("station-1")
    assert caught.value.reason == "not_thai_id_card"


def test_pcsc_with_a_reader_that_is_not_there_says_no_reader(pcscd):
    with pytest.raises(ChipError) as caught:
        PcscCardReader("Reader that is not connected 00 00").read("station-1")
    assert caught.value.reason == "no_reader"
