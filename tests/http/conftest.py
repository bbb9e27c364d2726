"""The documented-examples helpers (a per-test org, an HTTPS UMAPI caller, shape checks)
serve the tests of the deprecated endpoints and of the fidelity findings too."""

from tests.docs_examples.conftest import install, small_pages

__all__ = ["install", "small_pages"]
