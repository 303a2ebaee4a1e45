"""Tests of negotiator.queue."""
