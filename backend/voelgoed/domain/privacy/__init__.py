"""POPIA: buyers' requests for a copy or the erasure of their personal data, and the attendee
detail retention setting (docs/privacy.md). What each area holds about a buyer is listed in
workflows/personal_data_holders.py."""
