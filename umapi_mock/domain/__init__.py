"""The emulator's domain: org state, IMS tokens, the auth gate, reads and the command
engine. Plain Python with no Flask, so tests can drive it directly (moto's `models.py`)."""
