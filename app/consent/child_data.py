"""Consent's own part of a child's data (app/core/child_data.py): consent iterates the registry, and is in it
like every other domain, so that the receipt's lines and the tables erased are listed in one place.
Its export is built by `rights.export` itself (it needs the guardian who downloads, not only a contact)."""

from app.consent import rights
from app.core import child_data
from app.core.child_data import ChildData
from app.core.i18n import N_

child_data.register(ChildData(
    name="consent",
    tables=("consent_event", "consent_state", "guardianship", "guardian_code", "guardian_otp", "rights_request",
            "guardian", "guardian_session"),
    categories={
        "consent_events": N_("Consent decisions (history)"),
        "consent_states": N_("Current consent states"),
        "guardianships": N_("Links between guardians and the child"),
        "guardian_codes": N_("Codes from consent letters"),
        "one_time_codes": N_("One-time codes sent while signing up"),
        "rights_requests": N_("Requests about the child's data, with their answers"),
        "guardian_accounts": N_("Guardian accounts linked to no other child"),
    },
    erase=rights.erase_consent_data, count=rights.count_consent_data,
    order=10,
))
