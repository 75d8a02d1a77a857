"""Reserved seating: plans per venue, per-event seat status and seat holds (docs/seating.md)."""
