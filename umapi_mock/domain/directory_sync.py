"""Orgs whose directory Adobe keeps in step with Azure/Entra or Google (Admin Console's
automated sync): UMAPI cannot add users to them or remove users from them (getstarted.md,
2025-11-07), while group and profile membership stays UMAPI's to change.

The refusal is what the sync tool's users met on such directories (user-sync #525, #664,
#671): `error.internal.create_failed` for a create that would bring an account into the org;
a removal answers the removal's counterpart `error.internal.removefromorg`. A create with an
option for a user already in the org changes nothing and passes, as those reports show errors
only for new users. Seed key: `directory_sync: azure|google` on the org.
"""

from __future__ import annotations

from .models import Org

DIRECTORY_SYNCS = ("azure", "google")


def refuse_create(org: Org, step: str) -> None:
    """Raise the field's refusal when `org` is directory-synced and `step` would add a user."""
    if org.directory_sync is not None:
        from .commands.report import StepError  # the action engine imports this module

        raise StepError("error.internal.create_failed", step=step)


def refuse_removal(org: Org, user: str) -> None:
    """Raise the refusal when `org` is directory-synced and `user` would leave it."""
    if org.directory_sync is not None:
        from .commands.report import StepError

        raise StepError("error.internal.removefromorg", user=user)
