"""Create a user (ignoring it if it already exists) and optionally add it to groups.

python examples/client/create_user.py EMAIL [--type enterpriseID] [--first F] [--last L]
                                      [--country US] [--group NAME ...] [--test-mode]
"""

from __future__ import annotations

import argparse

from _common import connect, report, umapi_client


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("email")
    parser.add_argument("--type", default="federatedID", choices=[t.name for t in umapi_client.IdentityType])
    parser.add_argument("--first")
    parser.add_argument("--last")
    parser.add_argument("--country")
    parser.add_argument("--group", action="append", default=[], help="repeat to add several groups")
    parser.add_argument("--test-mode", action="store_true", help="validate only (?testOnly=true)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()

    conn = connect(test_mode=args.test_mode, verbose=args.verbose)
    action = umapi_client.UserAction(args.email)
    action.create(
        args.email,
        firstname=args.first,
        lastname=args.last,
        country=args.country,
        id_type=umapi_client.IdentityType[args.type],
    )
    if args.group:
        action.add_to_groups(groups=args.group)
    code = report([action], conn.execute_single(action, immediate=True))
    print(umapi_client.UserQuery(conn, args.email).result() or "user not visible (test mode?)")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
