"""What every portal page needs: the signed-in person, the operator behind a console page, the
reader's language, and rendering with the portal's navigation."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from tuaton.officers.service import OfficerView
from tuaton.portal.sessions import PortalUser
from tuaton.web_support import NO_STORE, lang_of, page, services

SESSION_COOKIE = "tuaton_portal"
LOGIN_COOKIE = "tuaton_portal_login"



def current_user(request: Request) -> PortalUser:
    """Route dependency: the signed-in person (a page without one redirects to the sign-in)."""
    return services(request).portal_sessions.get(request.cookies.get(SESSION_COOKIE))


def current_operator(request: Request) -> tuple[PortalUser, OfficerView]:
    """Route dependency: a signed-in, active administrator — checked against the database on every
    request, so deactivating an account takes effect at once."""
    user = current_user(request)
    operator = services(request).officers.operator(pid=user.pid, officer_id=user.officer_id)
    return user, operator


def secure_cookies(request: Request) -> bool:
    return services(request).settings.issuer.startswith("https://")


def portal_page(request: Request, template: str, user: PortalUser | None, *, status_code: int = 200,
                context: dict[str, Any] | None = None) -> HTMLResponse:
    response = page(request, template, lang_of(request), status_code=status_code,
                    context={"user": user, **(context or {})})
    response.headers.update(NO_STORE)
    return response


def bilingual(error) -> dict[str, str]:
    return {"th": error.detail_th, "en": error.detail_en}
