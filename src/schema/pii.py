"""PII by need to know (SEC-029): the classification of customer, policy and claim columns, and who
may read each class. One registry, read by schema.privileges (the designed grant matrix), the
handbook (reference/pii.md) and the tests; revision 010 writes the same decisions as column REVOKEs.

Classes:

- ``public``: no person can be identified from the value alone (ids, numbers we issue, dates of
  records, amounts, the state that rates the policy);
- ``pii``: identifies or contacts a person, alone or with little else (names, e-mail, phone, city,
  ZIP code: ZIP plus birth date identifies most Americans);
- ``sensitive_pii``: harms the person if disclosed, or enables identity theft (date of birth, street
  address, claim narratives, which carry injuries and health details: NYDFS 500.1 nonpublic
  information, GLBA).

Who reads what (the need to know): the application (app_rw) serves customers and underwrites, so it
reads everything; auditors (auditor) sample records and must identify them, so they read PII but not
sensitive PII; reporting (app_ro) and the admin console (admin_rw) have no need for either and read
public columns only. The owner (migrations) is not a reader.
"""

from __future__ import annotations

from typing import Literal

PiiClass = Literal["public", "pii", "sensitive_pii"]
CLASSES: tuple[PiiClass, ...] = ("public", "pii", "sensitive_pii")

# Every column of the classified tables; a column missing here fails tests/test_security_invariants.py.
CLASSIFICATION: dict[str, dict[str, PiiClass]] = {
    "customers": {
        "id": "public",
        "customer_number": "public",
        "first_name": "pii",
        "last_name": "pii",
        "email": "pii",
        "phone": "pii",
        "date_of_birth": "sensitive_pii",
        "address_line1": "sensitive_pii",
        "city": "pii",
        "state": "public",
        "zip_code": "pii",
        "created_at": "public",
        "updated_at": "public",
    },
    "policies": {
        "id": "public",
        "policy_number": "public",
        "customer_id": "public",
        "product_type": "public",
        "state": "public",
        "status": "public",
        "effective_date": "public",
        "expiration_date": "public",
        "premium_amount": "public",
        "coverage_data": "public",
        "cancelled_at": "public",
        "created_at": "public",
        "updated_at": "public",
    },
    "claims": {
        "id": "public",
        "claim_number": "public",
        "policy_id": "public",
        "status": "public",
        "loss_date": "public",
        "reported_at": "public",
        "description": "sensitive_pii",
        "claimed_amount": "public",
        "approved_amount": "public",
        "created_at": "public",
        "updated_at": "public",
    },
}

# The classes each group role may read (a role absent from a class's readers is refused its columns).
READERS: dict[PiiClass, frozenset[str]] = {
    "public": frozenset({"app_rw", "app_ro", "auditor", "admin_rw"}),
    "pii": frozenset({"app_rw", "auditor"}),
    "sensitive_pii": frozenset({"app_rw"}),
}

WHY: dict[PiiClass, str] = {
    "public": "identifies no person on its own",
    "pii": "identifies or contacts a person (auditors identify sampled records)",
    "sensitive_pii": "harmful if disclosed or enables identity theft (servicing and underwriting only)",
}


def classification(table: str, column: str) -> PiiClass | None:
    """The class of ``table.column``, or None for a table this registry does not classify."""
    return CLASSIFICATION.get(table, {}).get(column)


def withheld(table: str, column: str, role: str) -> bool:
    """True when ``role`` has no need to know ``table.column`` (its SELECT is not granted)."""
    cls = classification(table, column)
    return cls is not None and role not in READERS[cls]
