"""Quote rules (QUO-) and where revisions 002, 008 and 013 depart from the seed's quotes SQL."""

from schema.rules import Deviation, Rule

RULES: tuple[Rule, ...] = (
    Rule(
        "QUO-001",
        "Every quote starts in draft status.",
        "seed: 'Business Rule QUO-001: All quotes start in draft status per underwriting workflow'",
        ("quotes.status",),
    ),
    Rule(
        "QUO-002",
        "A quote's status is one of draft, calculating, quoted, expired, bound, declined.",
        "seed: quotes.status CHECK of section 1 (Quote System Tables)",
        ("ck_quotes_status_allowed",),
    ),
    Rule(
        "QUO-003",
        "Quote numbers are QUOT-YYYY-NNNNNN, issued by the database: YYYY is the UTC year of the quote's "
        "created_at, NNNNNN the next value of that year's sequence quote_number_seq_YYYY (revision 012), unique "
        "under any concurrency, with no lock that outlives the insert statement. Numbers are not gap-free: an insert "
        "that rolls back or is refused after the number was taken spends it. A year has at most 999,999 quotes and "
        "the next insert is refused (SQLSTATE 23514) with an error naming this rule and trigger "
        "trg_quotes_assign_quote_number. A number supplied by an import must be of its quote's year; it moves the "
        "year's sequence past it and is never issued again. The sequences of this year and the next are created "
        "ahead by run_partition_maintenance(); any other year's on demand.",
        "seed: 'Format: QUOT-YYYY-NNNNNN'; issue 5 (quote numbers generated in the database); issue 21 (no "
        "lock held to commit: gaps allowed, deviation DEV-QUO-15)",
        (
            "quotes.quote_number",
            "uq_quotes_quote_number",
            "ck_quotes_quote_number_format",
            "ck_quotes_quote_number_year_is_created_year",
            "assign_quote_number()",
            "trg_quotes_assign_quote_number",
            "quote_number_sequence()",
            "run_partition_maintenance()",
            "quote_number_counters",
        ),
    ),
    Rule(
        "QUO-004",
        "A quote that is quoted or bound carries its base, total and monthly premium and the rating result "
        "(factors, discounts and surcharges applied); premiums are never negative.",
        "our decision: a price offered to a customer must be reproducible (state rate-filing audits)",
        ("ck_quotes_premiums_when_priced", "ck_quotes_rating_result_when_priced", "ck_quotes_premiums_non_negative"),
    ),
    Rule(
        "QUO-005",
        "A quote is bound exactly when it names the policy it became; a policy is bound from at most one quote.",
        "issue 4: 'a bound quote has converted_to_policy_id'",
        ("ck_quotes_converted_to_policy_id_iff_bound", "uq_quotes_converted_to_policy_id", "fk_quotes_converted_to_policy_id_policies"),
    ),
    Rule(
        "QUO-006",
        "An original quote is version 1; a requote points to a parent quote of the same customer and is the "
        "parent's version + 1; version and parent never change after insert; a quote is not its own parent.",
        "seed: 'version INTEGER DEFAULT 1, parent_quote_id ... For versioning'; issue 4 (same-customer parent)",
        (
            "quotes.version",
            "ck_quotes_version_positive",
            "ck_quotes_root_is_version_1",
            "ck_quotes_parent_is_not_self",
            "fk_quotes_parent_quote_id_customer_id_quotes",
            "ix_quotes_id_customer_id",
            "check_quote_version()",
            "trg_quotes_check_version",
        ),
    ),
    Rule(
        "QUO-007",
        "The AI risk score and the conversion probability are probabilities in [0, 1]; risk factors explain a score "
        "and exist only with one.",
        "seed: ai_risk_score CHECK; issue 4 (conversion_probability in [0,1])",
        ("ck_quotes_ai_risk_score_range", "ck_quotes_conversion_probability_range", "ck_quotes_ai_risk_factors_need_score"),
    ),
    Rule(
        "QUO-008",
        "A quote is declined exactly when it records the reasons (needed for the adverse-action notice).",
        "regulation: FCRA adverse-action notices and state unfair-discrimination rules require a stated reason",
        ("ck_quotes_declined_reasons_iff_declined",),
    ),
    Rule(
        "QUO-009",
        "Risk data matches the product: vehicles and drivers only on auto quotes, property only on home and renters "
        "quotes; a priced quote has its coverage selections and its product's risk data.",
        "our decision: a price computed without the risk it prices is a silent fallback",
        (
            "ck_quotes_vehicle_info_only_auto",
            "ck_quotes_drivers_only_auto",
            "ck_quotes_property_info_only_property",
            "ck_quotes_risk_data_when_priced",
        ),
    ),
    Rule(
        "QUO-010",
        "A quote's offer expires after the quote was created; expires_at is always set.",
        "seed: 'expires_at TIMESTAMPTZ NOT NULL'",
        ("quotes.expires_at", "ck_quotes_expires_after_created", "ix_quotes_expires_at"),
    ),
    Rule(
        "QUO-011",
        "Every quote records the user who created it and the user who last changed it; users are deactivated, "
        "never deleted, while quotes cite them.",
        "our decision: SOC 2 change attribution; the seed's nullable created_by/updated_by left it optional",
        ("quotes.created_by", "quotes.updated_by", "fk_quotes_created_by_users", "fk_quotes_updated_by_users"),
    ),
    Rule(
        "QUO-012",
        "Every quote belongs to a customer; a customer with quotes cannot be deleted.",
        "seed: 'customer_id UUID NOT NULL REFERENCES customers(id)' (NO SILENT FALLBACKS example)",
        ("quotes.customer_id", "fk_quotes_customer_id_customers"),
    ),
    Rule(
        "QUO-013",
        "The quote lifecycle is data: quote_status_transitions lists every allowed (from, to) status change with "
        "its rule; a quote is created in draft or calculating (from 'new'), and any status change not listed "
        "is refused by trigger trg_quotes_status_transition.",
        "issue 23: 'the lifecycle as a state machine in the database'; DESIGN.md 'State machines are data'",
        (
            "quote_status_transitions",
            "pk_quote_status_transitions",
            "ck_quote_status_transitions_from_status_allowed",
            "ck_quote_status_transitions_to_status_allowed",
            "ck_quote_status_transitions_changes_status",
            "ck_quote_status_transitions_rule_id_format",
            "check_quote_status_transition()",
            "trg_quotes_status_transition",
        ),
    ),
    Rule(
        "QUO-014",
        "bound, declined and expired are terminal: no transition leaves them (an expired offer is re-offered as a "
        "requote, a new version, never revived, so the price once shown stays on record).",
        "issue 23: 'bound and declined are terminal, expired can never become bound'; market conduct: the offer a customer saw is a record",
        ("quote_status_transitions", "trg_quotes_status_transition"),
    ),
    Rule(
        "QUO-015",
        "A quote is bound only while its offer is open: at the moment of binding (the statement time; for an "
        "imported bound quote its updated_at) is not after expires_at.",
        "issue 23: 'a quote past expires_at cannot be bound'; state rate filings: a quote is valid for its period",
        ("check_quote_status_transition()", "trg_quotes_status_transition"),
    ),
    Rule(
        "QUO-016",
        "A bound quote agrees with the policy it became: same customer, line of business, state and effective "
        "date, and the policy's premium_amount equals the quote's total_premium (the quoted total for the term; "
        "a later premium change is an endorsement, which this schema does not model yet).",
        "issue 23: 'binding agrees with the policy'; our decision on the premium: the written premium is what was quoted and accepted",
        ("fk_quotes_binding_agrees_with_policy", "ix_policies_binding_key"),
    ),
    Rule(
        "QUO-017",
        "Version chains are acyclic and stay within one line of business: at commit a requote is not its own "
        "ancestor and has its parent's product_type (deferred constraint trigger, so multi-row inserts are seen "
        "whole); product_type never changes after insert.",
        "issue 23: 'version chains are acyclic and stay within the line of business'",
        ("check_quote_version_chain()", "trg_quotes_version_chain", "check_quote_server_owned()", "trg_quotes_server_owned"),
    ),
    Rule(
        "QUO-018",
        "Priced means complete: a quoted or bound quote has non-empty coverage selections, and an auto one at "
        "least one driver and a described vehicle.",
        "issue 23: 'priced means complete'",
        ("ck_quotes_auto_risk_complete_when_priced", "ck_quotes_coverage_selections_not_empty_when_priced"),
    ),
    Rule(
        "QUO-019",
        "A quoted or bound price is above zero (base, total and monthly), and a monthly installment never exceeds "
        "the premium for the term.",
        "issue 23: 'premiums > 0 with monthly <= total'",
        ("ck_quotes_premiums_positive_when_priced", "ck_quotes_monthly_within_total"),
    ),
    Rule(
        "QUO-020",
        "A declined quote states at least one reason (an empty list is no reason).",
        "regulation: FCRA adverse-action notices need a stated reason; issue 23",
        ("ck_quotes_declined_reasons_not_empty",),
    ),
    Rule(
        "QUO-021",
        "created_at and the first status are the database's: a caller-supplied created_at is refused and never "
        "changes. Historical rows (imports, the volume generator) use the one documented path, SET LOCAL "
        "app.historical_import = 'on', honoured only for (members of) the owner of quotes: they keep their "
        "created_at and recorded status, every other rule still applies.",
        "issue 23: 'server-owned facts'; brief: the historical import path",
        ("quote_historical_import()", "check_quote_server_owned()", "trg_quotes_server_owned"),
    ),
    Rule(
        "QUO-022",
        "A quoted or bound quote's coverage selections are a coverage a policy accepts, since they become the "
        "policy's coverage at bind: a JSON object whose coverages validate_policy_data accepts (COR-013: a non-empty "
        "array of objects, each with a non-blank string type and numeric limit and deductible of at least zero). One "
        "validator judges both: validate_coverage_selections() hands the coverages to validate_policy_data in a fixed "
        "envelope (the quote's state and effective date are its columns, its expiration is set at bind). The refusal "
        "names the first coverage at fault.",
        "issue 23: 'non-empty coverage selections (validated like a policy's coverage, since it becomes one at bind)'",
        ("validate_coverage_selections()", "check_quote_coverage_selections()", "trg_quotes_coverage_selections_valid"),
    ),
)

DEVIATIONS: tuple[Deviation, ...] = (
    Deviation(
        "DEV-QUO-01",
        "quotes",
        "customer_id UUID REFERENCES customers(id)",
        "customer_id NOT NULL, ON DELETE RESTRICT (QUO-012)",
        "the seed's own NO SILENT FALLBACKS section forbids an implicitly nullable customer_id and a FK without ON DELETE",
    ),
    Deviation(
        "DEV-QUO-02",
        "quotes",
        "CREATE INDEX idx_quotes_quote_number ON quotes(quote_number)",
        "no such index: uq_quotes_quote_number already indexes quote_number",
        "a second index on the same column doubles write cost and storage for nothing",
    ),
    Deviation(
        "DEV-QUO-03",
        "quotes",
        "quote_number VARCHAR(20) UNIQUE NOT NULL -- Format: QUOT-YYYY-NNNNNN (format in a comment only)",
        "CHECK on the format and on the year, default template replaced by trigger trg_quotes_assign_quote_number "
        "from the year's sequence quote_number_seq_YYYY (QUO-003; table quote_number_counters until revision 012)",
        "a format in a comment is not enforced; numbers made by the application collide under concurrency",
    ),
    Deviation(
        "DEV-QUO-04",
        "quote_number_counters",
        "(no such table)",
        "one row per year holding the last number issued; since revision 012 read-only, the record of what the "
        "counter had issued (numbers come from one sequence per year, DEV-QUO-15)",
        "revision 002 chose a per-year counter row, upserted and row-locked per insert, for gap-free numbers; that "
        "lock, held to commit, serialized every quote insert of a year (issue 21). Kept, not dropped, so that the "
        "downgrade to 011 writes it back; a later revision drops it once 012 is released",
    ),
    Deviation(
        "DEV-QUO-05",
        "quotes",
        "version INTEGER DEFAULT 1; parent_quote_id UUID REFERENCES quotes(id)",
        "version NOT NULL DEFAULT 1 citing QUO-006, CHECKs, composite FK (parent_quote_id, customer_id) -> "
        "quotes(id, customer_id) ON DELETE RESTRICT over unique index ix_quotes_id_customer_id, and trigger "
        "trg_quotes_check_version for parent version + 1",
        "a nullable version and a parent of any customer let version chains cross customers; the composite FK proves "
        "the same customer without a cross-row CHECK. The 'version = 1 iff no parent' rule is split: the CHECK "
        "ck_quotes_root_is_version_1 for originals, the trigger for requotes (it checks the exact parent version, "
        "which a CHECK cannot see)",
    ),
    Deviation(
        "DEV-QUO-06",
        "quotes",
        "parent_quote_id, converted_to_policy_id, created_by, updated_by: REFERENCES without ON DELETE",
        "ON DELETE RESTRICT on every foreign key, each backed by an index with the FK's columns leading",
        "legal records are never removed under a quote; a missing index makes every parent delete scan quotes",
    ),
    Deviation(
        "DEV-QUO-07",
        "quotes",
        "created_by UUID REFERENCES users(id), updated_by UUID REFERENCES users(id) (nullable)",
        "both NOT NULL (QUO-011); the self-service channel uses its system account",
        "an unattributed change is a silent fallback for a SOC 2 audit trail",
    ),
    Deviation(
        "DEV-QUO-08",
        "quotes",
        "created_at/updated_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP (nullable, updated_at never changes)",
        "NOT NULL; updated_at kept by trigger trg_quotes_set_updated_at (COR-002)",
        "a default sets updated_at once; only a trigger keeps it true",
    ),
    Deviation(
        "DEV-QUO-09",
        "quotes",
        "CREATE INDEX idx_quotes_status ON quotes(status); CREATE INDEX idx_quotes_expires_at ON quotes(expires_at)",
        "ix_quotes_customer_id_status (a customer's open quotes) and partial ix_quotes_expires_at WHERE status IN "
        "('draft', 'calculating', 'quoted') (the expiry job)",
        "an index on six status values alone is rarely selective; the two real query patterns get indexes shaped for them",
    ),
    Deviation(
        "DEV-QUO-10",
        "quotes",
        "idx_quotes_* index names; product_type, state, zip_code without CHECK; JSONB columns unchecked; "
        "DECIMAL prices with no rule; conversion_probability unchecked",
        "ix_/ck_ names from the naming convention; CHECKs for product type, state (COR-003), ZIP (COR-004), "
        "jsonb_typeof of every JSONB column, priced-status rules (QUO-004, QUO-009), probabilities (QUO-007)",
        "issue 4's domain checks; constraint names that migrations and models agree on",
    ),
    Deviation(
        "DEV-QUO-11",
        "quotes",
        "status VARCHAR(20) NOT NULL CHECK (...) (no default in the quotes SQL)",
        "DEFAULT 'draft' citing QUO-001",
        "the seed's own rule QUO-001 says every quote starts in draft",
    ),
    Deviation(
        "DEV-QUO-12",
        "quotes",
        "status CHECK listing six statuses; any status may follow any other",
        "table quote_status_transitions of allowed (from, to) pairs, checked by trigger trg_quotes_status_transition (QUO-013..QUO-015)",
        "a CHECK sees one row version; a lifecycle is about the change between two, and as data it is reviewed, "
        "rendered and tested like any reference table",
    ),
    Deviation(
        "DEV-QUO-13",
        "quotes",
        "converted_to_policy_id UUID REFERENCES policies(id)",
        "also fk_quotes_binding_agrees_with_policy (converted_to_policy_id, customer_id, product_type, state, "
        "effective_date, total_premium) -> policies (id, customer_id, product_type, state, effective_date, "
        "premium_amount) over unique index ix_policies_binding_key (QUO-016)",
        "structure instead of a trigger: the agreement holds under any concurrency and on both sides (a policy "
        "cannot be changed away from its quote either); the simple FK stays so a missing policy is named as such",
    ),
    Deviation(
        "DEV-QUO-14",
        "quotes",
        "created_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP (the caller may write any value)",
        "the default stays; trigger trg_quotes_server_owned refuses any other value outside the historical import path (QUO-021)",
        "a caller writing created_at years in the past falsifies the quote record (and its number's year)",
    ),
    Deviation(
        "DEV-QUO-15",
        "quotes",
        "quote_number -- Format: QUOT-YYYY-NNNNNN (no word on gaps)",
        "NNNNNN from one sequence per year (quote_number_seq_YYYY, revision 012): unique, increasing, not gap-free "
        "(a rolled-back or refused insert spends its number); the 1,000,000th quote of a year still refused (QUO-003)",
        "the seed asks for the format, not for gap-free numbers, and no US rule we found asks for gap-free quote "
        "numbers (a quote is an offer, neither a policy nor an invoice); a gap-free counter must be locked until "
        "commit, which capped quote inserts at one per commit latency for the whole country (issue 21)",
    ),
    Deviation(
        "DEV-QUO-16",
        "quotes",
        "coverage_selections JSONB (any document, priced or not)",
        "once quoted or bound, judged by the policy's own validator through validate_coverage_selections(), "
        "refused by trigger trg_quotes_coverage_selections_valid naming the first coverage at fault (QUO-022)",
        "a trigger, not a CHECK: it names the coverage at fault and the rule in its message, and adding it to a "
        "populated quotes table scans it under a SHARE ROW EXCLUSIVE lock (reads go on) instead of the ACCESS "
        "EXCLUSIVE lock an added CHECK holds through its validation inside the revision's one transaction",
    ),
)
