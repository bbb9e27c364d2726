"""Version of the reference client, kept apart so every module can import it without cycles.

The public API level mirrors ``umapi-client`` 3.0.1; the local version label marks this
package as the umapi-mock reference implementation rather than Adobe's distribution.
"""

__version__ = "3.0.1+umapimock"
