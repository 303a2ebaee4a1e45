"""HTCondor-style negotiator: user priorities, group quotas and the negotiation cycle."""

from negotiator.errors import NegotiatorError

__all__ = ["NegotiatorError"]
