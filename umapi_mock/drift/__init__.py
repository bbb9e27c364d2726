"""Learning from a real org: `umapi-mock import` (org -> seed), `record` (a recording proxy
that writes a cassette) and `verify` (replay a cassette against a fresh emulator and report
where it answers differently). See README "Check the emulator against your org"."""
