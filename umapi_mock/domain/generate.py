"""Deterministic synthetic orgs: the same seed always gives the same users and groups.

Users are built straight into the org's records (no per-user validation), because a sync
tool is tested against orgs of hundreds of thousands of users and seeding must stay fast.
"""

from __future__ import annotations

import gc
import random
import sys
import time

from .models import (
    ADOBE_ID,
    ENTERPRISE_ID,
    FEDERATED_ID,
    PRODUCT_PROFILE,
    USER_GROUP,
    Org,
    user_record,
)

FIRST_NAMES = (
    "Ada Alan Alice Amir Ana Anders Aiko Bea Ben Carla Chen Chloe Dara David Diego Elena Emil Eva Farah Felix "
    "Grace Hana Hugo Ines Ivan Jana Jonas Kai Kenji Lara Leo Lina Luca Maya Mei Nadia Nils Noor Omar Oscar "
    "Priya Quinn Rafael Rosa Sam Sara Tariq Tess Uma Vera Wen Yara Yusuf Zoe"
).split()
LAST_NAMES = (
    "Abe Akhtar Berg Bianchi Costa Dubois Eriksen Fischer Garcia Gupta Haddad Hansen Ito Jensen Kim Kowalski "
    "Laurent Lee Lopez Meyer Moreau Nagy Novak Okafor Olsen Park Patel Petrov Quinn Rossi Sato Schmidt Silva "
    "Smith Suzuki Tanaka Torres Ueda Varga Wagner Walsh Wong Yilmaz Young Zhang"
).split()
COUNTRIES = ("US", "US", "US", "GB", "DE", "FR", "JP", "CA", "IN", "BR", "AU", "NL", "SE", "ES", "IT")
TEAMS = (
    "Design Marketing Engineering Sales Finance Legal Support Research Operations Studio Video Web Print "
    "Brand Product Data Security People Facilities Editorial"
).split()
ADOBE_ID_DOMAINS = ("gmail.example", "outlook.example", "me.example")


def populate(org: Org, users: int, groups: int = 0, seed: int = 0, *, progress: bool = False) -> None:
    """Add `groups` user groups and `users` users to an org, spread over its claimed domains."""
    rng = random.Random(seed)
    profiles = [g for g in org.groups.values() if g.type == PRODUCT_PROFILE]
    new_groups = []
    for i in range(groups):
        name = f"{TEAMS[i % len(TEAMS)]} {i // len(TEAMS) + 1:02d}"
        while org.group_named(name) is not None:
            name += "+"
        linked = frozenset(g.gid for g in rng.sample(profiles, k=min(len(profiles), rng.randint(0, 2))))
        new_groups.append(org.add_group(name, USER_GROUP, description=f"{name} team", profiles=linked))
    domains = sorted(org.domains.values(), key=lambda d: d.name)
    kinds = [(d.name.lower(), FEDERATED_ID if d.type == "federated" else ENTERPRISE_ID) for d in domains]
    targets = [g.gid for g in new_groups] + [p.gid for p in profiles]
    started = time.monotonic()
    reported = started
    make = user_record  # User(...) without the frozen dataclass's slow __init__
    first_names = [(name, name.lower()) for name in FIRST_NAMES]
    last_names = [(name, name.lower()) for name in LAST_NAMES]
    no_groups: frozenset[int] = frozenset()
    # One shared membership set per group: a million one-element frozensets would cost
    # 200 bytes each, and they are immutable, so sharing them is safe.
    one_group = {gid: frozenset((gid,)) for gid in targets}
    gc_was_enabled = gc.isenabled()
    with org.bulk_write() as bulk:
        # Bulk path: records and indexes are written directly, bypassing the undo log, and
        # without the cyclic collector, which would rescan every record made so far
        # each time it runs (the records hold no cycles).
        gc.disable()
        try:
            users_map, memberships, members = bulk.users, bulk.memberships, bulk.members
            by_email, by_login = bulk.by_email, bulk.by_login
            target_members = [members[gid] for gid in targets]
            target_sets = [one_group[gid] for gid in targets]
            first_uid = bulk.next_uid
            n_first, n_last, n_country, n_targets = len(first_names), len(last_names), len(COUNTRIES), len(targets)
            n_kinds = len(kinds)
            rand = rng.random
            countries = COUNTRIES
            adobe_domains = ADOBE_ID_DOMAINS
            for i in range(users):
                uid = first_uid + i
                first, first_lower = first_names[int(rand() * n_first)]
                last, last_lower = last_names[int(rand() * n_last)]
                if n_kinds and rand() < 0.9:
                    domain, kind = kinds[i % n_kinds]
                    email = f"{first_lower}.{last_lower}.{uid}@{domain}"
                    by_login[(email, domain)] = uid
                else:
                    domain, kind = adobe_domains[i % 3], ADOBE_ID
                    email = f"{first_lower}.{last_lower}.{uid}@{domain}"
                users_map[uid] = make(uid, kind, email, email, domain, first, last, countries[int(rand() * n_country)])
                by_email[email] = uid
                if n_targets and rand() < 0.7:
                    t = int(rand() * n_targets)
                    target_members[t][uid] = None
                    memberships[uid] = target_sets[t]
                else:
                    memberships[uid] = no_groups
                if progress and not i & 0xFFFF:
                    now = time.monotonic()
                    if now - reported > 1.0:
                        reported = now
                        print(
                            f"seeding {org.id}: {i:,}/{users:,} users ({now - started:.1f}s)",
                            file=sys.stderr,
                            flush=True,
                        )
        finally:
            if gc_was_enabled:
                gc.enable()
        bulk.next_uid = first_uid + users
    if progress and time.monotonic() - started > 1.0:
        print(
            f"seeding {org.id}: {users:,} users done in {time.monotonic() - started:.1f}s", file=sys.stderr, flush=True
        )
