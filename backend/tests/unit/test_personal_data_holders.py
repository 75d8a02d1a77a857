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


def test_answers_names_and_waiting_lists_are_registered_waiting_list_first() -> None:
    from voelgoed.workflows import personal_data_types

    keys = [h.key for h in HOLDERS]
    assert {"question_answers", "attendee_names", "waiting_list"} <= set(keys)
    # Its erasure takes the event's inventory lock, which comes before order rows (lock order).
    assert keys.index("waiting_list") < keys.index("orders")
    by_key = {h.key: h for h in HOLDERS}
    assert by_key["waiting_list"].organizations is not None  # keyed by the address itself
    assert by_key["question_answers"].remove_attendee_details is not None
    assert by_key["attendee_names"].remove_attendee_details is not None
    assert ERASED is personal_data_types.ERASED  # one tombstone, re-exported by the registry
