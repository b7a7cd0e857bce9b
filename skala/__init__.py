"""Skala: an open platform for innovative public procurement in the Nordics."""
