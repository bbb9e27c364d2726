"""Version of the reference client (the module name and constant are those of umapi-client 3.0.1).

The release it mirrors is 3.0.1; the local label marks this build as umapi-mock's reference
implementation, so ``pip list`` and the User-Agent tell the two apart.
"""

__version__ = "3.0.1+umapimock"
