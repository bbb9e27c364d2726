"""`Canonical-Resource`: the route template UMAPI names in its own answers (the notFound and
badRequest partials show it, e.g. `/v2/usermanagement/users/{orgId}/{page}/{groupName}`).

Each endpoint of the table (`http/routes.py`) has one: its documented rule with each variable
spelled as the docs spell it (`Endpoint.canonical`, so a trailing-slash alias names the same
resource); gateway answers (401, 403, 429 before the handler) carry none, as in Adobe's samples.
"""

from __future__ import annotations

import re

HEADER = "Canonical-Resource"
# Flask variable name -> the documented spelling.
DOC_NAMES = {
    "org_id": "{orgId}",
    "user_string": "{userstring:.*}",
    "page": "{page}",
    "group_name": "{groupName}",
    "group_id": "{groupId}",
    "product_id": "{productId}",
    "profile_id": "{id}",
}
_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def template_of(rule: str) -> str:
    """`/v2/usermanagement/users/<org_id>/<page>/<path:group_name>` ->
    `/v2/usermanagement/users/{orgId}/{page}/{groupName}` (a trailing slash dropped)."""
    path = rule.rstrip("/") or "/"
    return _VARIABLE.sub(lambda m: DOC_NAMES.get(m.group(1), "{" + m.group(1) + "}"), path)
