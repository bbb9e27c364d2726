"""The deprecated UMAPI endpoints (spec §2.6), all of them: the bare-array user and user-group
lists, the products, profiles and user-group members. Adobe still serves them "for the
foreseeable future" (DeprecatedApis.md), so they are served here too; their routes, families
and OpenAPI operations are rows of `http/routes.py`.

Pages are 0-based `?page=` of DEPRECATED_PAGE_SIZE with the paging headers (the user-group
list alone is 1-based). Unknown products and profiles answer 404 PLC_NOT_FOUND (the notFound
partial these pages include), unknown user groups 404 GROUP_NOT_FOUND.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from ..domain import limits, reads
from ..domain import products as catalogue
from ..domain.commands import parse_body
from ..domain.errors import UmapiError
from ..domain.models import USER_GROUP, Org
from .render import json_response
from .umapi import config, gated, paging_headers, parse_page, query_bool
from .wire.products import product_json, product_profiles_json, profile_json, profile_user_json, user_group_user_json
from .wire.reads import deprecated_user_group_json, deprecated_user_json

bp = Blueprint("umapi_deprecated", __name__)  # routes: http/routes.py


def page_arg() -> int:
    return parse_page(request.args.get("page", "0"))


@gated
def deprecated_users(org: Org) -> Response:
    """Deprecated bare-array user list, 0-based `?page=` (spec §2.6, §6 A8, A17)."""
    page = parse_page(request.args.get("page", "0"))
    direct_only = query_bool("directOnly", True)
    result = reads.users_page(org, page, limits.DEPRECATED_PAGE_SIZE)
    return json_response(
        [deprecated_user_json(org, u, direct_only=direct_only) for u in result.items], headers=paging_headers(result)
    )


@gated
def deprecated_user_groups(org: Org) -> Response:
    """Deprecated, 1-based `?page=` (spec §2.6, §6 A8); the official client still calls it."""
    raw = request.args.get("page", "1")
    page = parse_page(raw)
    user_groups = [gr for gr in org.listed_groups() if gr.type == USER_GROUP]
    result = reads.paginate(user_groups, max(page, 1) - 1, config().groups_page_size)
    return json_response(
        [deprecated_user_group_json(org, gr) for gr in result.items], headers=paging_headers(result, one_based=True)
    )


@gated
def deprecated_user_group(org: Org, group_id: str) -> Response:
    return json_response(deprecated_user_group_json(org, reads.user_group_by_id(org, group_id)))


@gated
def products(org: Org) -> Response:
    """QueryProducts.md: a bare array of products."""
    page = reads.paginate(list(org.products.values()), page_arg(), limits.DEPRECATED_PAGE_SIZE)
    return json_response([product_json(org, p) for p in page.items], headers=paging_headers(page))


@gated
def product_profiles(org: Org, product_id: str) -> Response:
    """getAllProfilesForOrg.md: the product with its profiles."""
    return json_response(product_profiles_json(org, catalogue.find_product(org, product_id)))


@gated
def profile(org: Org, product_id: str, profile_id: str) -> Response:
    """getProductProfile.md."""
    product = catalogue.find_product(org, product_id)
    return json_response(profile_json(org, product, catalogue.find_profile(org, product, profile_id)))


@gated
def update_profile(org: Org, product_id: str, profile_id: str) -> Response:
    """updateProductProfile.md: add/remove users, user groups and profile admins, all or
    nothing; answers the updated profile."""
    product = catalogue.find_product(org, product_id)
    group = catalogue.find_profile(org, product, profile_id)
    try:
        body = parse_body(request.get_data())  # the one strict reader of UMAPI request bodies
    except UmapiError:
        raise UmapiError("deprecated.bad_body", detail="the body is not valid JSON") from None
    catalogue.update_profile(org, group, catalogue.parse_profile_update(org, body))
    return json_response(profile_json(org, product, org.groups[group.gid]))


@gated
def profile_users(org: Org, product_id: str, profile_id: str) -> Response:
    """getProductProfileUsers.md: a bare array of the profile's direct members."""
    product = catalogue.find_product(org, product_id)
    group = catalogue.find_profile(org, product, profile_id)
    page = reads.paginate(catalogue.member_users(org, group.gid), page_arg(), limits.DEPRECATED_PAGE_SIZE)
    return json_response([profile_user_json(u) for u in page.items], headers=paging_headers(page))


@gated
def user_group_users(org: Org, group_id: str) -> Response:
    """QueryUserGroups.md: a bare array of a user group's members."""
    group = reads.user_group_by_id(org, group_id)
    page = reads.paginate(catalogue.member_users(org, group.gid), page_arg(), limits.DEPRECATED_PAGE_SIZE)
    return json_response([user_group_user_json(u) for u in page.items], headers=paging_headers(page))
