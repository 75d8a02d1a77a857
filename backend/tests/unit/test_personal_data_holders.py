"""The personal data holder registry's rules (workflows/personal_data_holders.py): every holder
either erases or says why the law keeps it, keys are unique, and the scrubber of free-form
records replaces what names the buyer and nothing else."""

from __future__ import annotations

from voelgoed.workflows.personal_data_holders import ERASED, HOLDERS, scrub


def test_every_holder_erases_or_says_why_it_is_kept() -> None:
    for holder in HOLDERS:
        assert (holder.erase is None) != (holder.kept_because is None), holder.key
        assert holder.description.strip(), holder.key
    keys = [h.key for h in HOLDERS]
    assert len(keys) == len(set(keys))
    # The checkout site's form must find buyers by their address somewhere.
    assert any(h.organizations is not None for h in HOLDERS)


def test_scrub_replaces_only_strings_naming_the_buyer() -> None:
    personal = frozenset({"thandi@example.co.za", "Thandi Nkosi", "0825551234"})
    record = {
        "reason": "Thandi Nkosi asked for a refund",
        "to": "THANDI@example.co.za",
        "nested": [{"cell": "0825551234"}, {"amount": 5000, "note": "seat 12"}],
        "kind": "amount",
    }
    assert scrub(record, personal) == {
        "reason": ERASED,
        "to": ERASED,
        "nested": [{"cell": ERASED}, {"amount": 5000, "note": "seat 12"}],
        "kind": "amount",
    }
    assert scrub("anything", frozenset({"", "ab"})) == "anything"  # too short to match safely
