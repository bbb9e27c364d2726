"""One description of an org's records, read by both serialisers: the seed format (`seed.py`:
`dump_orgs`, and the loader's keys) and the data dir's rows (`persistence/store.py`).

Each record type lists its fields once: the record's attribute, its key in a seed document,
and when a seed document leaves it out (its default). A persistence row holds the same
fields in the same order (users as table columns, the rest as JSON lists or objects), so a
new field is added here, and `tests/serving/test_org_schema.py` fails until every field of
every record is. The seed loader keeps its own validation (it reads untrusted files); what
it builds are the same records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from .domain.models import DEFAULT_METASCOPES, DEFAULT_SCOPES, Credential, Group, Product, User

Omit = Callable[[Any, Any], bool]  # (record, value) -> leave it out of a seed document


def _never(record: Any, value: Any) -> bool:
    return False


def _is_none(record: Any, value: Any) -> bool:
    return value is None


def _equals(default: Any) -> Omit:
    return lambda record, value: value == default


@dataclass(frozen=True)
class Field:
    attr: str  # the record's attribute
    key: str  # its key in a seed document (and in a persistence JSON object)
    omit: Omit = _is_none  # when a seed document leaves it out


@dataclass(frozen=True)
class RecordSchema:
    """The fields of one record type, in the record's (and the row's) order."""

    record_type: type
    fields: tuple[Field, ...]

    @property
    def attrs(self) -> tuple[str, ...]:
        return tuple(f.attr for f in self.fields)

    def row(self, record: Any) -> tuple[Any, ...]:
        """Every field's value, in order: a persistence row."""
        return tuple(getattr(record, a) for a in self.attrs)

    def record(self, *values: Any, **given: Any) -> Any:
        """The record from a row's values (positional) and/or named fields."""
        return self.record_type(*values, **given)

    def seed_doc(self, record: Any, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
        """The record as a seed document: fields at their defaults left out."""
        out: dict[str, Any] = {}
        for f in self.fields:
            if f.attr in skip:
                continue
            value = getattr(record, f.attr)
            if not f.omit(record, value):
                out[f.key] = list(value) if isinstance(value, (tuple, frozenset)) else value
        return out


def _username_is_email(user: User, value: str) -> bool:
    return value == user.email


def _domain_is_emails(user: User, value: str) -> bool:
    return value.lower() == user.email.rsplit("@", 1)[1].lower()


USER = RecordSchema(
    User,
    (
        Field("uid", "id", _never),
        Field("type", "type", _never),
        Field("email", "email", _never),
        Field("username", "username", _username_is_email),
        Field("domain", "domain", _domain_is_emails),
        Field("firstname", "firstname"),
        Field("lastname", "lastname"),
        Field("country", "country"),
        Field("status", "status", _equals("active")),
    ),
)

GROUP = RecordSchema(
    Group,
    (
        Field("gid", "id", _never),
        Field("name", "name", _never),
        Field("type", "type", _never),
        Field("description", "description"),
        Field("product", "product"),
        Field("quota", "quota"),
        Field("target", "target"),
        Field("read_only", "read_only", _equals(False)),
        Field("profiles", "profiles", _equals(frozenset())),
        Field("contract", "contract", _is_none),  # a CONTRACT_ADMIN_GROUP's contractName (seeded as `contracts`)
    ),
)

CREDENTIAL = RecordSchema(
    Credential,
    (
        Field("client_id", "client_id", _never),
        Field("client_secret", "client_secret", _never),
        Field("org_id", "org_id", _never),  # the org's own id: not written in a seed
        Field("tech_account", "tech_account", _never),
        Field("certificates", "certificates", _equals(())),
        Field("scopes", "scopes", _equals(DEFAULT_SCOPES)),
        Field("metascopes", "metascopes", _equals(DEFAULT_METASCOPES)),
    ),
)

PRODUCT = RecordSchema(
    Product,
    (
        Field("name", "name", _never),
        Field("profiles", "profiles", _never),  # profile gids (a seed nests the profiles themselves)
        Field("id", "id"),
        Field("code", "code"),
        Field("quota", "quota"),
    ),
)

SCHEMAS = (USER, GROUP, CREDENTIAL, PRODUCT)

# The columns of the users table, in row order (persistence/store.py builds its SQL from them).
USER_COLUMNS = USER.attrs


def json_row(schema: RecordSchema, record: Any, *, skip: tuple[str, ...] = ()) -> list[Any]:
    """A record's fields as a JSON list in schema order (sets sorted, tuples as lists)."""
    out: list[Any] = []
    for f in schema.fields:
        if f.attr in skip:
            continue
        value = getattr(record, f.attr)
        if isinstance(value, frozenset):
            value = sorted(value)
        elif isinstance(value, tuple):
            value = list(value)
        out.append(value)
    return out


def json_doc(schema: RecordSchema, record: Any) -> dict[str, Any]:
    """A record's every field as a JSON object (tuples as lists): a persistence document."""
    return {
        f.key: list(v) if isinstance(v, (tuple, frozenset)) else v
        for f in schema.fields
        for v in [getattr(record, f.attr)]
    }


def from_json_doc(schema: RecordSchema, doc: dict[str, Any], **given: Any) -> Any:
    """The record back from `json_doc` (lists as tuples; keys it lacks from `given` or defaults)."""
    values = {
        f.attr: tuple(doc[f.key]) if isinstance(doc[f.key], list) else doc[f.key] for f in schema.fields if f.key in doc
    }
    return schema.record(**{**given, **values})


def unknown_fields() -> dict[str, list[str]]:
    """Record attributes no schema describes (a test keeps this empty)."""
    missing: dict[str, list[str]] = {}
    for schema in SCHEMAS:
        left = [f.name for f in fields(schema.record_type) if f.name not in schema.attrs]
        if left:
            missing[schema.record_type.__name__] = left
    return missing


__all__ = [
    "CREDENTIAL",
    "GROUP",
    "PRODUCT",
    "USER",
    "USER_COLUMNS",
    "Field",
    "RecordSchema",
    "from_json_doc",
    "json_doc",
    "json_row",
]
