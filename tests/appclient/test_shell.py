"""The app's page (/app): what it tells the app about the deployment."""

from __future__ import annotations


def test_the_app_offers_the_sandboxs_photos_only_in_the_sandbox(http, services, settings):
    assert 'data-sandbox="true"' in http.get("/app").text
    services.settings = settings.model_copy(update={"sandbox": False})
    page = http.get("/app").text
    assert 'data-sandbox="false"' in page and 'data-sandbox="true"' not in page
    assert http.get("/api/sandbox/v1/personas").status_code == 404      # nor would the routes answer
