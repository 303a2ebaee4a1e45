"""Tests of negotiator.queue (submit description files)."""
