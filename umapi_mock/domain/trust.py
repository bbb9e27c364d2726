"""Trusted (linked) domains between orgs: a domain's owning org names trustee orgs, which may
then hold that domain's Enterprise and Federated users without owning them.

Sources (docs/fidelity.md, "Trusted domains"): getUsersWithPage.md (`?domain=` reads a domain
"linked ... through the Trusted Domain relationship"), ActionsCmds.md (`removeFromOrg` from a
trusted domain), RefOverview.md (only the owning org may delete accounts), ErrorRef.md
(`error.api.user.not.parent.org`), and the sync tool's secondary connectors, which send
`create…ID` with `ignoreIfAlreadyExists` plus group changes to trustee orgs.

What a trustee org may do with a user of a trusted domain: hold it (seeded, or linked by a
create step), list it with `?domain=`, read it, change its groups and profiles, and remove it
from itself. What it may not: update it, or delete its account (`deleteAccount: true`); both
answer `error.api.user.not.parent.org`. A create step's option never changes a trusted user's
names there (that would be an update). Each org keeps its own record of the account, so the
owning org sees its users as before.

State: the owner keeps `org.trustees` (lower domain name -> trustee org ids, seed key
`domains[].trustees`); a trustee keeps `org.trusted` (lower domain name -> TrustedDomain, seed
key `trusted_domains`, derived from the owners' entries when a whole seed is loaded).
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import ADOBE_ID, Org, User


@dataclass(frozen=True, slots=True)
class TrustedDomain:
    name: str
    type: str  # "enterprise" or "federated", as the owner's directory has it
    owner: str  # the owning org's id


def trusted_domain(org: Org, name: str) -> TrustedDomain | None:
    """The domain `name` if `org` holds it by trust (and does not claim it itself)."""
    if org.domain_named(name) is not None:
        return None
    found = org.trusted.get(name.lower())
    return found if isinstance(found, TrustedDomain) else None


def is_trusted_user(org: Org, user: User) -> bool:
    """A directory user of a domain `org` only trusts: held here, owned elsewhere."""
    return user.type != ADOBE_ID and trusted_domain(org, user.domain) is not None


def known_domain(org: Org, name: str) -> bool:
    """A domain `org` may read users of: claimed, or trusted (`?domain=`)."""
    return org.domain_named(name) is not None or trusted_domain(org, name) is not None


def refuse_trustee_change(org: Org, user: User, user_string: str) -> None:
    """Updates and account deletions belong to the owning org."""
    if is_trusted_user(org, user):
        from .commands.report import StepError  # the action engine imports this module

        raise StepError("error.api.user.not.parent.org", user=user_string)


def link_trust(orgs: list[Org]) -> None:
    """Give every trustee org among `orgs` the domains its owners list it under."""
    by_id = {o.id: o for o in orgs}
    for owner in orgs:
        for key, trustees in owner.trustees.items():
            domain = owner.domains[key]
            for trustee_id in trustees:
                trustee = by_id.get(trustee_id)
                if trustee is not None:
                    trustee.trusted[key] = TrustedDomain(domain.name, domain.type, owner.id)
