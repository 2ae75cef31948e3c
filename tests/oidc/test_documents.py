"""Discovery and the JWKS are served from prepared bytes with an ETag, on both paths."""

from tests.conftest import ISSUER


def test_discovery_has_an_etag_and_answers_304_when_unchanged(http):
    first = http.get("/.well-known/openid-configuration")
    assert first.status_code == 200 and first.json()["issuer"] == ISSUER
    assert first.headers["content-type"] == "application/json" and first.headers["etag"]
    assert first.headers["x-frame-options"] == "DENY"                    # still behind the security headers
    again = http.get("/.well-known/openid-configuration", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    stale = http.get("/.well-known/openid-configuration", headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200 and stale.json() == first.json()


def test_the_jwks_is_the_same_on_both_paths_and_changes_its_etag_when_keys_rotate(http, services):
    own, thaid = http.get("/oauth2/jwks"), http.get("/jwks/")
    assert own.json() == thaid.json() and own.headers["etag"] == thaid.headers["etag"]
    assert all("d" not in key for key in own.json()["keys"])              # public parts only
    services.keys.rotate()
    rotated = http.get("/oauth2/jwks")
    assert rotated.headers["etag"] != own.headers["etag"] and len(rotated.json()["keys"]) > len(own.json()["keys"])
    assert http.get("/oauth2/jwks", headers={"If-None-Match": own.headers["etag"]}).status_code == 200


def test_other_methods_and_paths_still_reach_the_router(http):
    assert http.post("/.well-known/openid-configuration").status_code == 405
    assert http.head("/oauth2/jwks").status_code == 200
