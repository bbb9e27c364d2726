"""Deprecated `GET /v2/usermanagement/{orgId}/users` (spec §2.6): bare array, camelCase
fields, `adminRoles`, 0-based `?page=` with paging headers, 400 users a page."""

from __future__ import annotations

import requests


def get(served, path, **params):
    return requests.get(
        f"{served.endpoint}/{served.org_id}{path}",
        params=params,
        headers=served.headers(),
        verify=served.ca_path,
        timeout=30,
    )


def test_pages_cover_every_active_user_once(served):
    org = served.backend.org()
    active = len(org.active_user_ids())
    seen: list[str] = []
    page = 0
    while True:
        r = get(served, "/users", page=page)
        assert r.status_code == 200
        body = r.json()
        assert isinstance(body, list)
        assert r.headers["X-Current-Page"] == str(page)
        assert r.headers["X-Page-Size"] == str(len(body))
        assert r.headers["X-Total-Count"] == str(active + len(org.technical_accounts()))  # counted, never returned
        seen += [u["id"] for u in body]
        if page >= int(r.headers["X-Page-Count"]) - 1:
            break
        assert len(body) == 400
        page += 1
    assert len(seen) == len(set(seen)) == active


def test_old_style_user_shape(served):
    jane = next(u for u in get(served, "/users").json() if u["email"] == "jane@example.com")
    assert jane["firstName"] == "Jane" and jane["lastName"] == "Doe" and jane["countryCode"] == "US"
    assert jane["userType"] == "federatedID" and jane["status"] == "active"
    assert jane["adminRoles"] == ["org"]
    assert jane["groups"] == ["Employees"]
    assert "firstname" not in jane and "type" not in jane
    indirect = next(u for u in get(served, "/users", directOnly="False").json() if u["email"] == "jane@example.com")
    assert "Default Photoshop configuration" in indirect["groups"]


def test_bad_page_is_a_clear_400(served):
    r = get(served, "/users", page="two")
    assert r.status_code == 400 and r.json() == {"errorMessage": 'For input string: "two"'}
