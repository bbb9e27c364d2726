"""What pyproject.toml cannot say: the contract kit lives in the repository folder contracts/
and is installed as the package umapi_mock.contracts (never as a top-level `contracts`,
a name another distribution already uses). Everything else is in pyproject.toml."""

from setuptools import find_packages, setup

KIT = "umapi_mock.contracts"

setup(
    packages=find_packages(include=["umapi_mock", "umapi_mock.*"])
    + [KIT]
    + [f"{KIT}.{name}" for name in find_packages("contracts")],
    package_dir={KIT: "contracts"},
)
