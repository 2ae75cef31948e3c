"""An agency's staff edit their own services in the programme catalogue: only as the owner or a
developer of the organisation registered under the agency's code, once its authority is proven; only
their agency's services; and bind a service only to their organisation's production client."""

from __future__ import annotations

from tests.agencies.conftest import operator, staff  # noqa: F401 - fixtures
from tests.agencies.test_applications import apply, decide, submit
from tests.conftest import csrf_of, prove_authority
from tests.programme.test_programme import programme  # noqa: F401 - the catalogue fixture
from tuaton.programme.service import Filters


def _first_eservice(programme, agency: str) -> str:  # noqa: F811
    return next(v.record.service_code for v in programme.services(Filters(agency=agency)) if v.record.is_eservice)


def test_staff_edit_their_agencys_services_once_its_authority_is_proven(staff, operator, programme,  # noqa: F811
                                                                        services, device):
    code = _first_eservice(programme, "DLT")
    assert 'id="no-organisations"' in staff.get("/agency/services").text
    assert staff.get(f"/agency/services/{code}").status_code == 404           # DLT is not theirs
    prove_authority(services, device.identity_id, "DLT")
    app_id, sandbox_client, _ = apply(staff, org_identifier="DLT")
    assert staff.get(f"/agency/services/{code}").status_code == 200
    assert "tt_" not in staff.get(f"/agency/services/{code}").text.split('id="client_id"')[1][:300]  # no client yet
    assert submit(staff, app_id, org_identifier="DLT").status_code == 303
    assert decide(operator, app_id, "approve", ["pid", "name", "birthdate"]).status_code == 303
    production_client = services.agencies.for_review(app_id)[0].production_client_id
    listing = staff.get("/agency/services")
    assert 'id="services-DLT"' in listing.text and code in listing.text
    form = staff.get(f"/agency/services/{code}")
    data = {"csrf": csrf_of(form.text), "is_eservice": "yes", "level": "L2", "platform": "", "platform_status": "",
            "development_mode": "", "budget_source": "", "reason": "", "system_name": "DLT e-Service",
            "client_id": production_client, "minutes_before": "120", "minutes_after": "10"}
    view = next(v for v in programme.services(Filters(agency="DLT")) if v.record.service_code == code)
    data.update({k: getattr(view.record, k) or "" for k in ("platform", "platform_status", "development_mode",
                                                             "budget_source", "reason")})
    saved = staff.post(f"/agency/services/{code}", data=data, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    after = next(v for v in programme.services(Filters(agency="DLT")) if v.record.service_code == code)
    assert (after.record.client_id, after.record.level, after.record.minutes_before) == (production_client, "L2", 120)
    assert after.link == "no_recent_signins"

    # someone else's client, a sandbox client, a rule broken, another agency's service: refused
    for client in (sandbox_client, "tt_someone_elses"):
        refused = staff.post(f"/agency/services/{code}", data={**data, "client_id": client})
        assert refused.status_code == 422 and "own production clients" in refused.text
    broken = staff.post(f"/agency/services/{code}", data={**data, "is_eservice": "no"})
    assert broken.status_code == 422
    other = _first_eservice(programme, "BMA")
    assert staff.get(f"/agency/services/{other}").status_code == 404
    assert staff.post(f"/agency/services/{other}", data=data).status_code == 404
    assert staff.post(f"/agency/services/{code}", data={**data, "csrf": "forged"}).status_code == 403
