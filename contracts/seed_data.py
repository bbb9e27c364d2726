"""The seed of the emulator targets."""

from __future__ import annotations

from typing import Any


def contract_seed(org_id: str = "C0DE0000C0DE0000C0DE0000@AdobeOrg") -> dict[str, Any]:
    """The small org the suite builds for emulator targets: both directory types, a few
    profiles and groups, and enough users that small page sizes give several pages."""
    users = []
    for i in range(9):
        domain, kind = ("contract.example", "federatedID") if i % 3 else ("contract-ent.example", "enterpriseID")
        users.append(
            {
                "email": f"seed{i}@{domain}",
                "type": kind,
                "firstname": f"Seed{i}",
                "lastname": "User",
                "country": "US",
                "groups": (["Team A"] if i % 2 else ["Pro Default"]),
            }
        )
    users.append({"email": "adobe.person@gmail.example", "type": "adobeID", "country": "DE"})
    users.append(
        {
            "email": "admin@contract.example",
            "type": "federatedID",
            "firstname": "Ada",
            "lastname": "Admin",
            "country": "GB",
            "groups": ["_org_admin"],
        }
    )
    return {
        "orgs": [
            {
                "id": org_id,
                "domains": [
                    {"name": "contract.example", "type": "federated"},
                    {"name": "contract-ent.example", "type": "enterprise"},
                ],
                "credentials": [{"client_id": "contract-client", "client_secret": "contract-secret-0123456789"}],
                "products": [
                    {"name": "Contract Pro", "profiles": [{"name": "Pro Default", "quota": 20}, {"name": "Pro Extra"}]},
                    {"name": "Contract Lite", "profiles": [{"name": "Lite Default"}]},
                ],
                "groups": [
                    {"name": "Team A", "description": "seeded team", "profiles": ["Pro Default"]},
                    {"name": "Team B", "description": "another team"},
                ],
                "users": users,
                # a contract admin group (2025) for contracts/test_fidelity.py to judge
                "contracts": [{"id": "C0DEC0DEC0DEC0DEC0DE", "name": "ETLA - C0DEC0DEC0DEC0DEC0DE"}],
            }
        ]
    }
