import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuaton.appclient.client import AppError, signin_id_from_payload

ISSUER = "https://id.example.go.th"


def test_payload_url_deep_link_and_raw_id_are_understood():
    assert signin_id_from_payload(f"{ISSUER}/s/abc123", ISSUER) == "abc123"
    assert signin_id_from_payload(f"tuaton://signin?payload={ISSUER}/s/abc123", ISSUER) == "abc123"
    assert signin_id_from_payload("  abc123 ", ISSUER) == "abc123"


@pytest.mark.parametrize("payload", [f"{ISSUER}.evil.example/s/abc", "http://id.example.go.th/s/abc",
                                     f"{ISSUER}/oauth2/authorize", "tuaton://signin?x=1"])
def test_foreign_or_malformed_payloads_are_refused(payload):
    with pytest.raises(AppError):
        signin_id_from_payload(payload, ISSUER)


LINKISH = st.builds(lambda prefix, host, rest: f"{prefix}{host}{rest}",
                    st.sampled_from(["https://", "http://", "tuaton://signin?payload=https://", ""]),
                    st.sampled_from(["id.example.go.th", "[::1", "[::1]", "[", "id.example.go.th:99999"]),
                    st.text(alphabet="/s?#[]:%ab", max_size=12))


@given(st.one_of(st.text(max_size=80), LINKISH))
def test_any_payload_gives_an_id_or_a_clear_refusal(payload):
    try:
        signin_id = signin_id_from_payload(payload, ISSUER)
    except AppError as error:
        assert str(error)
        return
    assert "://" not in signin_id or payload.strip() == signin_id
