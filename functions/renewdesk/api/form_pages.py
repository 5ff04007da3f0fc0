"""The result pages of a plain (no-JavaScript) form post, rendered by the API.

A static page cannot read its own address without JavaScript, so for a browser posting a form
the API answers with the page itself: on a mistake, the same form again with what the customer
typed and each wrong field marked (400); on a daily limit or an outage, when to try again
(429/503); on success, the thank-you page with the short reference (303 stays for every client
that does not ask for HTML, as the contract says).
"""

from __future__ import annotations

from renewdesk import i18n

# Each form's fields, in the order the form shows them; "form" is the whole submission.
FORM_FIELDS: dict[str, tuple[str, ...]] = {
    "renewal": ("token", "name", "phone", "plate", "expiry_date", "contact_time", "note",
                "consent"),
    "referral": ("code", "name", "phone", "plate", "interest", "note", "consent"),
}
WHOLE_FORM = "form"


def known_errors(language: str, form: str, codes: dict[str, str]) -> list[tuple[str, str]]:
    """(field, message) for the pairs this form can really have, in the form's order.

    Anything else (another form's field, a code without a catalog text, text someone put in a
    link) is dropped: the page never repeats what its address says.
    """
    fields = FORM_FIELDS.get(form)
    if fields is None:
        return []
    catalog = i18n.catalog(language)
    found = []
    for field in (*fields, WHOLE_FORM):
        code = codes.get(field)
        if code is None:
            continue
        if f"error.{code}.{field}" in catalog or f"error.{code}" in catalog:
            found.append((field, i18n.field_error(language, field, code) if field != WHOLE_FORM
                          else i18n.message(language, f"error.{code}")))
    return found


def reference(lead_id: str) -> str:
    """The short reference a customer reads out on the phone: the lead id's last 8, XXXX-XXXX."""
    tail = lead_id[-8:].upper()
    return f"{tail[:4]}-{tail[4:]}"
