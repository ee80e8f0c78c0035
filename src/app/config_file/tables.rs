//! Which tables of the store a configuration file carries, which hold data rather than
//! settings, and the test that keeps every table in one of the lists.

/// Every table of `store::tables` a configuration file carries, with the section that does.
/// A new settings table goes here (and into export and import); a new table of conversation
/// data goes into `DATA_TABLES`. The test below fails for a table in neither list.
pub const SETTINGS_TABLES: &[(&str, &str)] = &[
    ("account_record", "accounts"),
    (
        "webhookkey_account",
        "accounts (the key is made anew for a new account)",
    ),
    ("number_record", "numbers"),
    ("address_number", "numbers"),
    ("workstream_record", "workstreams"),
    ("number_workstream", "workstreams.numbers"),
    ("template_record", "templates"),
    ("user_record", "users"),
    ("email_user", "users"),
    ("hours_record", "hours"),
    ("quickreply_record", "quick_replies"),
    ("automated_override", "automated.overrides"),
    ("automated_switch", "automated.switches"),
    (
        "whatsapp_optout_keyword",
        "automated.whatsapp_optout_keywords",
    ),
    (
        "workstream_members",
        "workstreams.queues.members (moved into queue members)",
    ),
    ("queue_record", "workstreams.queues"),
    ("workstream_queues", "workstreams.queues"),
    ("queue_members", "workstreams.queues.members"),
    ("rule_record", "workstreams.rules"),
    ("workstream_ruleorder", "workstreams.rules (in order)"),
    ("skill_record", "skills"),
    ("skillname_skill", "skills"),
    ("user_skills", "users.skills"),
    ("workstream_skillmatch", "workstreams.skill_match"),
    ("workstream_positionminutes", "workstreams.position_minutes"),
    (
        "workstream_contextvariables",
        "workstreams.context_variables",
    ),
    ("article_record", "knowledge"),
    ("workstream_script", "workstreams.script"),
    ("workstream_offercard", "workstreams.offer_card"),
    ("slug_article", "knowledge (by slug)"),
    (
        "workstream_bot",
        "workstreams.menu_bot, workstreams.external_bot (a new secret is made)",
    ),
];

/// Tables of conversation data, sessions and bookkeeping: not configuration.
pub const DATA_TABLES: &[&str] = &[
    "meta_counter",
    "meta_probe",
    "contact_record",
    "phone_contact",
    "conversation_record",
    "numbercustomer_openconversation",
    "conversation_messages",
    "providerid_message",
    "outbox_job",
    "pending_media",
    "tokenhash_session",
    "user_sessions",
    "user_presence",
    "conversation_hold",
    "conversation_previous",
    "numbercustomer_lastconversation",
    "conversation_participants",
    "user_conversations",
    "conversation_flag",
    "job_attempt",
    "message_round",
    "devicehash_user",
    "user_devices",
    "conversation_queue",
    "conversation_notice",
    "conversation_queuevisits",
    "conversation_context",
    "conversation_skills",
    "conversation_routing",
    "conversation_bot",
    "providerid_earlystatus",
    "conversation_scriptticks",
    "userconversation_read",
    "conversation_contactlink",
    "user_timezone",
    "conversation_consults",
    "tokenhash_survey",
    "conversation_survey",
    "openedconversation_facts",
    "meta_facts",
];

/// Settings tables the file does not carry yet, with why: a known gap the test keeps visible
/// (it fails once a table here is exported and not moved to `SETTINGS_TABLES`, or vanishes).
pub const NOT_YET_EXPORTED: &[(&str, &str)] = &[];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every table of `store/tables.rs` is either carried by the file or listed as data: a new
    /// settings table fails here until export and import cover it.
    #[test]
    fn every_table_is_settings_or_data() {
        let source = include_str!("../../store/tables.rs");
        let names: Vec<&str> = source
            .split("TableDefinition::new(\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        assert!(names.len() > 40, "tables were read: {names:?}");
        let settings: Vec<&str> = SETTINGS_TABLES.iter().map(|(t, _)| *t).collect();
        let missing: Vec<&&str> = names
            .iter()
            .filter(|n| {
                !settings.contains(n)
                    && !DATA_TABLES.contains(n)
                    && !NOT_YET_EXPORTED.iter().any(|(t, _)| t == *n)
            })
            .collect();
        assert!(
            missing.is_empty(),
            "tables neither exported as settings nor listed as data: {missing:?}"
        );
        let stale: Vec<&&str> = settings
            .iter()
            .chain(DATA_TABLES)
            .chain(NOT_YET_EXPORTED.iter().map(|(t, _)| t))
            .filter(|t| !names.contains(t))
            .collect();
        assert!(
            stale.is_empty(),
            "listed tables that do not exist: {stale:?}"
        );
    }
}
