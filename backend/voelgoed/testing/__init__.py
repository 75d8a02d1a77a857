"""Test and benchmark support that ships with the package (used by backend/tests and bench/)."""
