"""Pause: an offline, hands-free, voice-guided regulation assistant for couples."""

__version__ = "0.1.0"
