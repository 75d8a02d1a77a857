"""VoelgoedEvents: event ticketing and check-in."""

__version__ = "0.1.0"
