"""The sample rows and violating variants moved to ``schema.samples`` (the notebooks show them too,
and src/ never imports tests/); this name stays so the tests' imports keep working."""

from schema.samples import (
    ACTING_IDENTITY,
    ARGON2ID_HASH,
    CHECK_VIOLATIONS,
    FK_VIOLATIONS,
    SAMPLES,
    TRIGGER_ACTS,
    TRIGGER_COVERED_TABLES,
    TRIGGER_VIOLATIONS,
    CheckViolation,
    Ctx,
    NotRefused,
    TriggerAct,
    TriggerViolation,
    declare_actor,
    envelope,
    refusal,
    refused,
)

__all__ = [
    "ACTING_IDENTITY", "ARGON2ID_HASH", "CHECK_VIOLATIONS", "FK_VIOLATIONS", "SAMPLES", "TRIGGER_ACTS",
    "TRIGGER_COVERED_TABLES", "TRIGGER_VIOLATIONS", "CheckViolation", "Ctx", "NotRefused", "TriggerAct",
    "TriggerViolation", "declare_actor", "envelope", "refusal", "refused",
]
