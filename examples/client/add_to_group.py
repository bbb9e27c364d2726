"""Add users to a user group, creating the group first if asked.

python examples/client/add_to_group.py GROUP USER_EMAIL [USER_EMAIL ...] [--create] [--test-mode]
"""

from __future__ import annotations

import argparse

from _common import connect, report, umapi_client


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("group")
    parser.add_argument("users", nargs="+")
    parser.add_argument("--create", action="store_true", help="create the user group if it does not exist")
    parser.add_argument("--description", help="description for a newly created group")
    parser.add_argument("--test-mode", action="store_true", help="validate only (?testOnly=true)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()

    conn = connect(test_mode=args.test_mode, verbose=args.verbose)
    action = umapi_client.GroupAction(args.group)
    if args.create:
        action.create(description=args.description)
    action.add_users(users=args.users)  # any number: split into steps of 10 names
    code = report([action], conn.execute_single(action, immediate=True))
    members = umapi_client.UsersQuery(conn, in_group=args.group).all_results()
    print(f"{args.group} now has {len(members)} member(s)")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
