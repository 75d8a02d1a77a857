"""Local stand-ins for outside services, following their documented protocols."""
