"""List the users of the organization, of one group, or of one domain.

python examples/client/list_users.py [--group NAME] [--domain DOMAIN] [--groups]
"""

from __future__ import annotations

import argparse

from _common import connect, umapi_client


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--group", help="only members of this user group / product profile / admin group")
    parser.add_argument("--domain", help="only users of this domain")
    parser.add_argument("--groups", action="store_true", help="list the org's groups instead of users")
    parser.add_argument("-v", "--verbose", action="store_true", help="log HTTP activity (never secrets)")
    args = parser.parse_args()

    conn = connect(verbose=args.verbose)
    if args.groups:
        for group in umapi_client.GroupsQuery(conn):
            print(f"{group.get('groupName')}\t{group.get('type')}\t{group.get('memberCount', '')}")
        return 0
    count = 0
    for user in umapi_client.UsersQuery(conn, in_group=args.group or "", in_domain=args.domain or ""):
        print(f"{user.get('email')}\t{user.get('type')}\t{', '.join(user.get('groups', []))}")
        count += 1
    print(f"{count} user(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
