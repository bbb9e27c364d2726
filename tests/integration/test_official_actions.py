"""The official umapi-client 3.0.1, unchanged in its own venv, drives every action kind against
the served emulator over HTTPS (issue 4). Effects are checked in the emulator's state, and
through the read API where the script itself looks."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import ACTION_PATH, state_of

pytestmark = pytest.mark.official_client


def user_of(served: Any, user: str, domain: str | None = None, *, adobe: bool = False) -> Any:
    return served.backend.org().find_user(user, domain, adobe_id=adobe)


def groups_of(served: Any, user: Any) -> set[str]:
    return set(served.backend.org().group_names_of(user.uid))


def test_create_each_identity_type_with_each_option(run_official, served):
    result = run_official(
        """
        conn = connect()
        specs = [("adobeID", "ada@gmail.example", "Ada", "Adobe", "DE"),
                 ("enterpriseID", "erin@example.net", "Erin", "Ent", "GB"),
                 ("federatedID", "fred@example.com", "Fred", "Fed", "US")]
        rounds = {}
        for kind, email, first, last, country in specs:
            rounds[kind] = []
            for n, option in enumerate(["errorIfAlreadyExists", "errorIfAlreadyExists",
                                        "ignoreIfAlreadyExists", "updateIfAlreadyExists"]):
                a = UserAction(email).create(email=email, firstname=f"{first}{n}", lastname=last, country=country,
                                             id_type=IdentityType[kind], on_conflict=IfAlreadyExistsOption[option])
                stats = conn.execute_single(a, immediate=True)
                now = UserQuery(conn, email).result()
                rounds[kind].append({"stats": stats, "errors": a.execution_errors(), "wire": a.wire_dict(),
                                     "firstname": now.get("firstname"), "type": now.get("type")})
        # a Federated ID whose login is a username, not an email
        login = UserAction("fred.login", domain="example.com").create(
            email="fred.mail@example.com", firstname="Fred", lastname="Login", country="CA")
        rounds["login"] = {"stats": conn.execute_single(login, immediate=True), "wire": login.wire_dict(),
                           "errors": login.execution_errors()}
        emit(rounds)
        """
    )
    for kind, email in (
        ("adobeID", "ada@gmail.example"),
        ("enterpriseID", "erin@example.net"),
        ("federatedID", "fred@example.com"),
    ):
        first, again, ignore, update = result[kind]
        create_step = next(iter(first["wire"]["do"][0]))
        assert (
            create_step
            == {"adobeID": "addAdobeID", "enterpriseID": "createEnterpriseID", "federatedID": "createFederatedID"}[kind]
        )
        # no option: created; created again: refused, naming the create step
        assert "option" not in first["wire"]["do"][0][create_step]
        assert first["stats"] == [0, 1, 1] and first["errors"] == []
        assert first["type"] == kind and first["firstname"] == first["wire"]["do"][0][create_step]["firstname"]
        assert again["stats"] == [0, 1, 0]
        [error] = again["errors"]
        assert error["errorCode"] == "error.user.already_in_org"
        assert error["command"] == again["wire"]["do"][0] and error["user"] == email
        # ignoreIfAlreadyExists: success, nothing changes
        assert ignore["wire"]["do"][0][create_step]["option"] == "ignoreIfAlreadyExists"
        assert ignore["stats"] == [0, 1, 1] and ignore["firstname"] == first["firstname"]
        # updateIfAlreadyExists: success; org-owned accounts take the new names, an Adobe ID
        # belongs to its owner and keeps them
        assert update["stats"] == [0, 1, 1] and update["errors"] == []
        expected = first["firstname"] if kind == "adobeID" else update["wire"]["do"][0][create_step]["firstname"]
        assert update["firstname"] == expected
        stored = user_of(served, email, adobe=kind == "adobeID")
        assert stored is not None and stored.type == kind and stored.firstname == expected
    assert result["adobeID"][0]["wire"]["useAdobeID"] is True

    login = result["login"]
    assert login["wire"]["domain"] == "example.com" and login["stats"] == [0, 1, 1], login
    stored = user_of(served, "fred.login", "example.com")
    assert stored.email == "fred.mail@example.com" and stored.username == "fred.login" and stored.type == "federatedID"


def test_update_memberships_and_removal_from_org(run_official, served):
    result = run_official(
        """
        conn = connect()
        def run(action, who, domain=None):
            stats = conn.execute_single(action, immediate=True)
            now = UserQuery(conn, who, domain).result()
            return {"stats": stats, "errors": action.execution_errors(), "groups": now.get("groups") if now else None,
                    "user": now}
        out = {}
        out["update"] = run(UserAction("john@example.net").update(firstname="Johnny", lastname="Smythe"),
                            "john@example.net")
        out["rename"] = run(UserAction("john@example.net").update(email="johnny@example.net"), "johnny@example.net")
        out["add"] = run(UserAction("johnny@example.net").add_to_groups(
            ["Employees", "Default Illustrator configuration", "_admin_Contractors",
             "_product_admin_Adobe Photoshop", "_support_admin"]), "johnny@example.net")
        out["remove"] = run(UserAction("johnny@example.net").remove_from_groups(
            ["Contractors", "Default Acrobat Pro configuration", "_support_admin"]), "johnny@example.net")
        out["jane_add"] = run(UserAction("jane@example.com").add_to_groups(["Contractors", "Acrobat Pro - Legal"]),
                              "jane@example.com")
        out["remove_all"] = run(UserAction("jane@example.com").remove_from_groups(all_groups=True), "jane@example.com")

        # soft and hard removal (remove_from_organization returns None: keep the action)
        soft = UserAction("johnny@example.net"); soft.remove_from_organization()
        out["soft"] = run(soft, "johnny@example.net")
        out["soft_wire"] = soft.wire_dict()
        temp = UserAction("temp@example.com").create(email="temp@example.com", firstname="T", lastname="Emp",
                                                     country="US").add_to_groups(["Employees"])
        out["temp"] = run(temp, "temp@example.com")
        hard = UserAction("temp@example.com"); hard.remove_from_organization(delete_account=True)
        out["hard"] = run(hard, "temp@example.com")
        out["hard_wire"] = hard.wire_dict()
        ghost = UserAction("ghost@example.com"); ghost.remove_from_organization(delete_account=True)
        out["ghost"] = run(ghost, "ghost@example.com")
        adobe = UserAction("pat@gmail.example"); adobe.remove_from_organization(delete_account=True)
        out["adobe"] = run(adobe, "pat@gmail.example")
        emit(out)
        """
    )
    for key, step in result.items():
        if isinstance(step, dict) and "stats" in step:
            assert step["stats"] == [0, 1, 1] and step["errors"] == [], (key, step)
    assert result["update"]["user"]["firstname"] == "Johnny" and result["update"]["user"]["lastname"] == "Smythe"
    assert result["rename"]["user"]["username"] == "johnny@example.net"
    added = set(result["add"]["groups"])
    assert {
        "Employees",
        "Default Illustrator configuration",
        "_admin_Contractors",
        "_product_admin_Adobe Photoshop",
        "_support_admin",
    } <= added
    assert {"Contractors", "Default Acrobat Pro configuration"} <= added
    removed = set(result["remove"]["groups"])
    assert removed == added - {"Contractors", "Default Acrobat Pro configuration", "_support_admin"}
    assert {"Contractors", "Acrobat Pro - Legal", "Employees", "_org_admin"} <= set(result["jane_add"]["groups"])
    assert result["remove_all"]["groups"] == ["_org_admin"]  # "all" keeps the org admin role
    assert result["soft_wire"]["do"] == [{"removeFromOrg": {"deleteAccount": False}}]
    assert result["hard_wire"]["do"] == [{"removeFromOrg": {"deleteAccount": True}}]
    assert result["temp"]["groups"] == ["Employees"]
    for gone in ("soft", "hard", "ghost", "adobe"):
        assert result[gone]["user"] == {}, gone  # Get User: 404 -> the client's "not found" ({})

    org = served.backend.org()
    # without deleteAccount the account leaves the org but stays in the directory; with it, it is gone
    soft_user = user_of(served, "johnny@example.net")
    assert soft_user is not None and soft_user.status == "removed" and not org.memberships[soft_user.uid]
    assert user_of(served, "john@example.net") is None
    assert user_of(served, "temp@example.com") is None
    assert user_of(served, "pat@gmail.example", adobe=True) is None
    jane = user_of(served, "jane@example.com")
    assert groups_of(served, jane) == {"_org_admin"}
    assert jane.uid not in org.group_member_ids(org.group_named("Employees").gid)


def test_user_group_lifecycle(run_official, served):
    result = run_official(
        """
        conn = connect()
        def run(action):
            stats = conn.execute_single(action, immediate=True)
            return {"stats": stats, "errors": action.execution_errors(), "wire": action.wire_dict()}
        def snapshot(name):
            group = [g for g in GroupsQuery(conn).all_results() if g["groupName"] == name]
            members = UsersQuery(conn, in_group=name).all_results()
            jane = UserQuery(conn, "jane@example.com").result()
            return {"group": group[0] if group else None, "members": sorted(u["email"] for u in members)}
        out = {}
        out["create"] = run(GroupAction("Integration Team").create(description="made by umapi-client"))
        out["created"] = snapshot("Integration Team")
        out["create_again"] = run(GroupAction("Integration Team").create(description="ignored"))
        out["create_error"] = run(GroupAction("Integration Team").create(
            option=IfAlreadyExistsOption.errorIfAlreadyExists))
        out["create_update"] = run(GroupAction("Integration Team").create(
            option=IfAlreadyExistsOption.updateIfAlreadyExists, description="described again"))
        out["described"] = snapshot("Integration Team")
        out["fill"] = run(GroupAction("Integration Team")
                          .add_users(["jane@example.com", "john@example.net", "pat@gmail.example"])
                          .add_to_products(["Default Illustrator configuration", "Acrobat Pro - Legal"]))
        out["filled"] = snapshot("Integration Team")
        out["filled_jane"] = UsersQuery(conn, in_group="Default Illustrator configuration",
                                        direct_only=False).all_results()
        out["drain"] = run(GroupAction("Integration Team").remove_users(["john@example.net"])
                           .remove_from_products(["Acrobat Pro - Legal"]))
        out["drained"] = snapshot("Integration Team")
        out["update"] = run(GroupAction("Integration Team").update(name="Integration Crew", description="renamed"))
        out["old_name"] = snapshot("Integration Team")
        out["renamed"] = snapshot("Integration Crew")
        out["delete"] = run(GroupAction("Integration Crew").delete())
        out["deleted"] = snapshot("Integration Crew")
        # a second group stays, so its descriptions can be checked in the emulator's state
        out["kept"] = run(GroupAction("Kept Group").create(description="first"))
        out["kept_update"] = run(GroupAction("Kept Group").create(
            option=IfAlreadyExistsOption.updateIfAlreadyExists, description="second"))
        out["kept_rename"] = run(GroupAction("Kept Group").update(name="Kept Team"))
        out["kept_describe"] = run(GroupAction("Kept Team").update(description="third"))
        emit(out)
        """
    )
    for key in (
        "create",
        "create_again",
        "create_update",
        "fill",
        "drain",
        "update",
        "delete",
        "kept",
        "kept_update",
        "kept_rename",
        "kept_describe",
    ):
        assert result[key]["stats"] == [0, 1, 1] and result[key]["errors"] == [], (key, result[key])
    # the client sends no `name` in createUserGroup: the entry's usergroup names the group
    assert result["create"]["wire"] == {
        "usergroup": "Integration Team",
        "do": [{"createUserGroup": {"option": "ignoreIfAlreadyExists", "description": "made by umapi-client"}}],
    }
    [error] = result["create_error"]["errors"]
    # 3.0.1 sends errorIfAlreadyExists as the option's value, which UMAPI does not know
    assert error["errorCode"] == "error.option.illegal" and error["user"] == "Integration Team"
    assert error["command"] == result["create_error"]["wire"]["do"][0]

    created = result["created"]["group"]
    assert created["type"] == "USER_GROUP" and created["memberCount"] == 0
    assert result["filled"]["members"] == ["jane@example.com", "john@example.net", "pat@gmail.example"]
    assert result["filled"]["group"]["memberCount"] == 3
    assert "jane@example.com" in [u["email"] for u in result["filled_jane"]]  # indirect profile access
    assert result["drained"]["members"] == ["jane@example.com", "pat@gmail.example"]
    assert result["old_name"]["group"] is None and result["renamed"]["members"] == result["drained"]["members"]
    assert result["deleted"]["group"] is None and result["deleted"]["members"] == []

    org = served.backend.org()
    assert org.group_named("Integration Team") is None and org.group_named("Integration Crew") is None
    jane = user_of(served, "jane@example.com")
    illustrator = org.group_named("Default Illustrator configuration")
    assert jane.uid not in org.group_member_ids(illustrator.gid, direct_only=False)  # lost with the group
    assert org.group_named("Kept Group") is None
    kept = org.group_named("Kept Team")
    assert kept is not None and kept.description == "third"


def test_execute_multiple_splits_batches_steps_and_lists(run_official, served):
    org = served.backend.org()
    names = [g.name for g in org.listed_groups() if g.type in ("USER_GROUP", "PRODUCT_PROFILE")]
    names += [
        "_support_admin",
        "_deployment_admin",
        "_admin_Employees",
        "_admin_Contractors",
        "_product_admin_Adobe Photoshop",
        "_developer_Default Photoshop configuration",
        "_admin_Design 01",
    ]
    names = names[:25]
    assert len(names) == 25
    result = run_official(
        f"""
        conn = connect()
        sent = []
        def hook(response, *args, **kwargs):
            if "/action/" in response.url:
                sent.append([len(e["do"]) for e in json.loads(response.request.body)])
        conn.session.hooks["response"].append(hook)
        out = {{}}
        creates = [UserAction(f"batch{{i:02d}}@example.com").create(
                       email=f"batch{{i:02d}}@example.com", firstname="Batch", lastname=str(i), country="US")
                   for i in range(23)]
        out["creates"] = conn.execute_multiple(creates)          # 3.0.1 default: immediate
        out["creates_requests"] = list(sent); sent.clear()

        many_groups = UserAction("batch00@example.com").add_to_groups({names!r})
        many_steps = UserAction("batch01@example.com")
        for name in {names[:12]!r}:
            many_steps.add_to_groups([name])
        out["split"] = conn.execute_multiple([many_groups, many_steps])
        out["split_requests"] = list(sent); sent.clear()

        # the 3.x docs' queueing example: 5 queued, then 10 more send 10 and keep 5
        def user(i): return UserAction(f"batch{{i:02d}}@example.com").add_to_groups(["Contractors"])
        out["queue5"] = conn.execute_multiple([user(i) for i in range(5)], immediate=False)
        out["queue10"] = conn.execute_multiple([user(i) for i in range(5, 15)], immediate=False)
        out["queued"] = conn.execute_queued()
        out["queue_requests"] = list(sent)
        out["local"] = conn.status()[0]
        emit(out)
        """
    )
    assert result["creates"] == [0, 23, 23]
    assert result["creates_requests"] == [[1] * 10, [1] * 10, [1] * 3]
    # 25 groups become add steps of 10, 10, 5 in one entry; 12 commands become two entries
    assert result["split"] == [0, 3, 3]
    assert result["split_requests"] == [[3, 10, 2]]
    assert result["queue5"] == [5, 0, 0] and result["queue10"] == [5, 10, 10] and result["queued"] == [0, 5, 5]
    assert result["queue_requests"] == [[1] * 10, [1] * 5]
    assert result["local"]["actions-queued"] == 0

    org = served.backend.org()
    batch00 = user_of(served, "batch00@example.com")
    assert set(names) | {"Contractors"} <= groups_of(served, batch00)
    assert set(names[:12]) | {"Contractors"} <= groups_of(served, user_of(served, "batch01@example.com"))
    assert sum(1 for u in org.users.values() if u.email.startswith("batch")) == 23


def test_execution_errors_name_the_action_and_step(run_official, served):
    result = run_official(
        """
        conn = connect()
        acts = [UserAction(f"ok{i}@example.com").create(email=f"ok{i}@example.com", firstname="O", lastname="K",
                                                        country="US") for i in range(12)]
        # index 3: its second step names an unknown group; its third step still runs
        acts[3] = (UserAction("john@example.net").add_to_groups(["Employees"])
                   .add_to_groups(["No Such Group"]).update(firstname="Still"))
        # index 7: a create refused for its country, then an add for the user that never was
        acts[7] = UserAction("bad@example.com").create(email="bad@example.com", firstname="B", lastname="C",
                                                       country="ZZ").add_to_groups(["Employees"])
        # index 10 lands in the second request: a group entry whose second step fails
        acts[10] = GroupAction("Contractors").add_users(["jane@example.com"]).add_to_products(["No Such Profile"])
        # index 11: twelve commands, split into two entries; the twelfth fails
        long = UserAction("jane@example.com")
        for name in ["Design 01", "Marketing 01", "Engineering 01", "Sales 01", "Finance 01", "Legal 01",
                     "Support 01", "Research 01", "Operations 01", "Studio 01", "Video 01"]:
            long.add_to_groups([name])
        long.add_to_groups(["Nope 12"])
        acts[11] = long
        stats = outcome(lambda: conn.execute_multiple(acts))
        emit({"stats": stats, "errors": [a.execution_errors() for a in acts]})
        """
    )
    assert result["stats"]["ok"] == [0, 13, 9]  # 13 entries sent (one action split in two)
    errors = result["errors"]
    assert [i for i, e in enumerate(errors) if e] == [3, 7, 10, 11]

    [e3] = errors[3]
    assert e3["errorCode"] == "error.group.not_found" and e3["command"] == {"add": {"group": ["No Such Group"]}}
    assert e3["target"] == {"user": "john@example.net"} and e3["user"] == "john@example.net"
    assert served.backend.org().find_user("john@example.net").firstname == "Still"  # later steps ran

    codes7 = [e["errorCode"] for e in errors[7]]
    assert codes7[0] == "error.country.invalid" and "createFederatedID" in errors[7][0]["command"]
    assert all(e["target"] == {"user": "bad@example.com"} for e in errors[7])
    # the add for the user that was never created fails too, on its own step
    assert codes7 == ["error.country.invalid", "error.user.nonexistent"]
    assert errors[7][1]["command"] == {"add": {"group": ["Employees"]}}

    [e10] = errors[10]
    assert e10["command"] == {"add": {"productConfiguration": ["No Such Profile"]}}
    assert e10["target"] == {"usergroup": "Contractors"} and e10["user"] == "Contractors"
    assert e10["errorCode"] in ("error.command.product.not_found", "error.group.not_found")

    [e11] = errors[11]
    assert e11["command"] == {"add": {"group": ["Nope 12"]}} and e11["errorCode"] == "error.group.not_found"

    org = served.backend.org()
    assert user_of(served, "bad@example.com") is None
    assert sum(1 for u in org.users.values() if u.email.startswith("ok")) == 8
    assert {"Design 01", "Video 01"} <= groups_of(served, user_of(served, "jane@example.com"))
    jane = user_of(served, "jane@example.com")
    assert jane.uid in org.group_member_ids(org.group_named("Contractors").gid)


def test_test_mode_leaves_the_org_unchanged(run_official, served, admin):
    before = state_of(served)
    result = run_official(
        """
        conn = connect(test_mode=True)
        seen = watch(conn)
        count_before = len(UsersQuery(conn).all_results())
        actions = []
        for kind, email, country in [("adobeID", "tm.ada@gmail.example", "DE"),
                                     ("enterpriseID", "tm.erin@example.net", "GB"),
                                     ("federatedID", "tm.fred@example.com", "US")]:
            for option in ["errorIfAlreadyExists", "ignoreIfAlreadyExists", "updateIfAlreadyExists"]:
                actions.append(UserAction(email).create(email=email, firstname="T", lastname="M", country=country,
                                                        id_type=IdentityType[kind],
                                                        on_conflict=IfAlreadyExistsOption[option]))
        actions.append(UserAction("jane@example.com").create(email="jane@example.com", firstname="New", lastname="Name",
                                                             country="US", on_conflict="updateIfAlreadyExists"))
        actions.append(UserAction("john@example.net").update(firstname="Changed", lastname="Too")
                       .add_to_groups(["Employees", "Acrobat Pro - Legal", "_admin_Employees"])
                       .remove_from_groups(["Contractors"]))
        actions.append(UserAction("jane@example.com").remove_from_groups(all_groups=True))
        soft = UserAction("john@example.net"); soft.remove_from_organization(); actions.append(soft)
        hard = UserAction("jane@example.com"); hard.remove_from_organization(delete_account=True); actions.append(hard)
        actions.append(GroupAction("TM Group").create(description="test mode").add_users(["jane@example.com"])
                       .add_to_products(["Default Illustrator configuration"]))
        actions.append(GroupAction("Employees").update(name="Staff", description="renamed")
                       .remove_users(["jane@example.com"]).remove_from_products(["Default Photoshop configuration"]))
        actions.append(GroupAction("Contractors").delete())
        stats = conn.execute_multiple(actions)
        count_after = len(UsersQuery(conn).all_results())
        bodies = [json.loads(s["body"]) for s in seen if '"completedInTestMode"' in s["body"]]
        emit({"stats": stats, "errors": [a.execution_errors() for a in actions], "bodies": bodies,
              "counts": [count_before, count_after]})
        """
    )
    assert state_of(served) == before  # byte for byte, order of users and members included
    assert result["counts"][0] == result["counts"][1]
    assert result["stats"] == [0, len(result["errors"]), len(result["errors"])]
    assert all(e == [] for e in result["errors"]), result["errors"]
    assert [b["completed"] for b in result["bodies"]] == [0, 0]
    assert sum(b["completedInTestMode"] for b in result["bodies"]) == len(result["errors"])
    actions = admin.journal(path=ACTION_PATH)
    assert len(actions) == 2 and all(e["query"] == {"testOnly": "true"} for e in actions)
