"""The deprecated product, profile and user-group-member endpoints (spec §2.6): still served
by Adobe "for the foreseeable future" (DeprecatedApis.md), so served here too.

Pages are 0-based `?page=` of DEPRECATED_PAGE_SIZE with the paging headers, as on the
deprecated user list. Unknown products and profiles answer 404 PLC_NOT_FOUND (the notFound
partial these pages include), unknown user groups 404 GROUP_NOT_FOUND.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from ..domain import limits, reads
from ..domain import products as catalogue
from ..domain.commands import parse_body
from ..domain.errors import UmapiError
from ..domain.models import Org
from .render import json_response
from .umapi import gated, paging_headers, parse_page
from .wire.products import product_json, product_profiles_json, profile_json, profile_user_json, user_group_user_json

bp = Blueprint("umapi_products", __name__, url_prefix="/v2/usermanagement")

PROFILE = "/<org_id>/products/<product_id>/configurations/<profile_id>"


def page_arg() -> int:
    return parse_page(request.args.get("page", "0"))


@bp.get("/<org_id>/products")
@gated
def products(org: Org) -> Response:
    """QueryProducts.md: a bare array of products."""
    page = reads.paginate(list(org.products.values()), page_arg(), limits.DEPRECATED_PAGE_SIZE)
    return json_response([product_json(org, p) for p in page.items], headers=paging_headers(page))


@bp.get("/<org_id>/products/<product_id>/configurations")
@gated
def product_profiles(org: Org, product_id: str) -> Response:
    """getAllProfilesForOrg.md: the product with its profiles."""
    return json_response(product_profiles_json(org, catalogue.find_product(org, product_id)))


@bp.get(PROFILE)
@gated
def profile(org: Org, product_id: str, profile_id: str) -> Response:
    """getProductProfile.md."""
    product = catalogue.find_product(org, product_id)
    return json_response(profile_json(org, product, catalogue.find_profile(org, product, profile_id)))


@bp.post(PROFILE)
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


@bp.get(PROFILE + "/users")
@gated
def profile_users(org: Org, product_id: str, profile_id: str) -> Response:
    """getProductProfileUsers.md: a bare array of the profile's direct members."""
    product = catalogue.find_product(org, product_id)
    group = catalogue.find_profile(org, product, profile_id)
    page = reads.paginate(catalogue.member_users(org, group.gid), page_arg(), limits.DEPRECATED_PAGE_SIZE)
    return json_response([profile_user_json(u) for u in page.items], headers=paging_headers(page))


@bp.get("/<org_id>/user-groups/<group_id>/users")
@gated
def user_group_users(org: Org, group_id: str) -> Response:
    """QueryUserGroups.md: a bare array of a user group's members."""
    group = reads.user_group_by_id(org, group_id)
    page = reads.paginate(catalogue.member_users(org, group.gid), page_arg(), limits.DEPRECATED_PAGE_SIZE)
    return json_response([user_group_user_json(u) for u in page.items], headers=paging_headers(page))
