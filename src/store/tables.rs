//! Every redb table, in one place. Names read `key_value`; values are postcard records behind a
//! schema-version byte (see `codec`) unless the value is a plain id.

use redb::TableDefinition;

/// Counter name → last id handed out (ids start at 1 and are never reused).
pub const META_COUNTER: TableDefinition<&str, u64> = TableDefinition::new("meta_counter");
/// One throwaway value the writer rewrites after reopening the store, to learn whether the disk
/// takes writes again (key: always "probe").
pub const META_PROBE: TableDefinition<&str, &[u8]> = TableDefinition::new("meta_probe");

/// Account id → `Account`.
pub const ACCOUNT_RECORD: TableDefinition<u64, &[u8]> = TableDefinition::new("account_record");
/// Webhook key (the unguessable URL segment) → account id.
pub const WEBHOOKKEY_ACCOUNT: TableDefinition<&str, u64> =
    TableDefinition::new("webhookkey_account");

/// Number id → `SenderNumber`.
pub const NUMBER_RECORD: TableDefinition<u64, &[u8]> = TableDefinition::new("number_record");
/// Channel address (`sms:+1415…`, `whatsapp:+1415…`) → number id. One number per address.
pub const ADDRESS_NUMBER: TableDefinition<&str, u64> = TableDefinition::new("address_number");

/// Workstream id → `Workstream`.
pub const WORKSTREAM_RECORD: TableDefinition<u64, &[u8]> =
    TableDefinition::new("workstream_record");
/// Number id → the workstream that serves it.
pub const NUMBER_WORKSTREAM: TableDefinition<u64, u64> = TableDefinition::new("number_workstream");

/// Template id → `Template`.
pub const TEMPLATE_RECORD: TableDefinition<u64, &[u8]> = TableDefinition::new("template_record");

/// Contact id → `Contact`.
pub const CONTACT_RECORD: TableDefinition<u64, &[u8]> = TableDefinition::new("contact_record");
/// Customer phone number (E.164) → contact id.
pub const PHONE_CONTACT: TableDefinition<&str, u64> = TableDefinition::new("phone_contact");

/// Conversation id → `Conversation`.
pub const CONVERSATION_RECORD: TableDefinition<u64, &[u8]> =
    TableDefinition::new("conversation_record");
/// (business number id, customer number) → the conversation that is not Closed. Removed on close,
/// so the next customer message starts a new conversation.
pub const NUMBERCUSTOMER_OPENCONVERSATION: TableDefinition<(u64, &str), u64> =
    TableDefinition::new("numbercustomer_openconversation");
/// (conversation id, message seq) → `Message`; seq counts from 1 within a conversation.
pub const CONVERSATION_MESSAGES: TableDefinition<(u64, u64), &[u8]> =
    TableDefinition::new("conversation_messages");
/// Provider message id (Twilio MessageSid) → (conversation id, seq). Dedupes inbound webhooks and
/// finds outbound messages for status callbacks.
pub const PROVIDERID_MESSAGE: TableDefinition<&str, (u64, u64)> =
    TableDefinition::new("providerid_message");

/// Job id → `OutboxJob`: outbound messages not yet accepted by the provider.
pub const OUTBOX_JOB: TableDefinition<u64, &[u8]> = TableDefinition::new("outbox_job");
/// (conversation id, seq) → 0: inbound messages whose media is still to be fetched.
pub const PENDING_MEDIA: TableDefinition<(u64, u64), u8> = TableDefinition::new("pending_media");

/// User id → `User`.
pub const USER_RECORD: TableDefinition<u64, &[u8]> = TableDefinition::new("user_record");
/// Lower-cased e-mail → user id.
pub const EMAIL_USER: TableDefinition<&str, u64> = TableDefinition::new("email_user");
/// SHA-256 of the session token (hex) → `Session`. The token itself is never stored.
pub const TOKENHASH_SESSION: TableDefinition<&str, &[u8]> =
    TableDefinition::new("tokenhash_session");
/// (user id, session token hash) → 0: a user's sessions, to end them all at once.
pub const USER_SESSIONS: TableDefinition<(u64, &str), u8> = TableDefinition::new("user_sessions");

/// Hours id → `OperatingHours`.
pub const HOURS_RECORD: TableDefinition<u64, &[u8]> = TableDefinition::new("hours_record");

/// Quick reply id → `QuickReply`.
pub const QUICKREPLY_RECORD: TableDefinition<u64, &[u8]> =
    TableDefinition::new("quickreply_record");

/// "trigger|channel|workstream id or 0|locale" (see `OverrideKey::storage_key`) →
/// `AutomatedOverride`: an admin's text for a channel default (0) or one workstream.
pub const AUTOMATED_OVERRIDE: TableDefinition<&str, &[u8]> =
    TableDefinition::new("automated_override");

/// (workstream id, user id) → 0: the agents in a workstream's queue.
pub const WORKSTREAM_MEMBERS: TableDefinition<(u64, u64), u8> =
    TableDefinition::new("workstream_members");
/// User id → presence code (see `domain::presence::Presence::code`), as the agent last chose it.
pub const USER_PRESENCE: TableDefinition<u64, u8> = TableDefinition::new("user_presence");

/// Conversation id → (agent id, capacity units): the capacity an assignment holds, stored with the
/// assignment so exactly those units are given back, once (the row is removed on release).
pub const CONVERSATION_HOLD: TableDefinition<u64, (u64, u32)> =
    TableDefinition::new("conversation_hold");
/// Conversation id → the conversation of the same customer and business number before it.
pub const CONVERSATION_PREVIOUS: TableDefinition<u64, u64> =
    TableDefinition::new("conversation_previous");
/// (business number id, customer number) → the latest conversation, closed or not: what a new
/// conversation links to as its previous one.
pub const NUMBERCUSTOMER_LASTCONVERSATION: TableDefinition<(u64, &str), u64> =
    TableDefinition::new("numbercustomer_lastconversation");
/// (conversation id, user id) → `Participation` code: everyone who worked on a conversation.
pub const CONVERSATION_PARTICIPANTS: TableDefinition<(u64, u64), u8> =
    TableDefinition::new("conversation_participants");
/// (user id, conversation id) → `Participation` code: the mirror of `conversation_participants`,
/// for "conversations I worked on".
pub const USER_CONVERSATIONS: TableDefinition<(u64, u64), u8> =
    TableDefinition::new("user_conversations");
/// Conversation id → `Flag`: a conversation supervisors should look at (declined by everyone,
/// its agent was away when the customer wrote). Removed once it is assigned or closed.
pub const CONVERSATION_FLAG: TableDefinition<u64, &[u8]> =
    TableDefinition::new("conversation_flag");
/// Job id → (when its first send attempt began, when an attempt began whose outcome is unknown),
/// both in Unix milliseconds. The second is set before a request goes out and cleared once the
/// provider's answer says the message was not taken; still set after a timeout or a crash, it
/// makes the next run ask the provider instead of sending again. Removed with the job.
pub const JOB_ATTEMPT: TableDefinition<u64, (i64, Option<i64>)> =
    TableDefinition::new("job_attempt");
/// (conversation id, message seq) → send round: how many times an agent retried the failed
/// message. Absent means 0, the first send. Status callbacks carry the round in their URL.
pub const MESSAGE_ROUND: TableDefinition<(u64, u64), u32> = TableDefinition::new("message_round");

/// SHA-256 of a known-device token (hex) → (user id, issued at in Unix ms): a browser that signed
/// in to the account, exempt from its login throttle. The token itself is never stored.
pub const DEVICEHASH_USER: TableDefinition<&str, (u64, i64)> =
    TableDefinition::new("devicehash_user");
/// (user id, device token hash) → 0: a user's known devices, to forget them all at once.
pub const USER_DEVICES: TableDefinition<(u64, &str), u8> = TableDefinition::new("user_devices");

/// Queue id → `queues::Queue`.
pub const QUEUE_RECORD: TableDefinition<u64, &[u8]> = TableDefinition::new("queue_record");
/// (workstream id, queue id): the queues of each workstream.
pub const WORKSTREAM_QUEUES: TableDefinition<(u64, u64), u8> =
    TableDefinition::new("workstream_queues");
/// (queue id, user id): the agents who take a queue's conversations. The workstream's members
/// are the members of its queues.
pub const QUEUE_MEMBERS: TableDefinition<(u64, u64), u8> = TableDefinition::new("queue_members");
/// Conversation id → (queue id, when it entered the queue in Unix ms, overflow transfers so far):
/// the queue a conversation waits in, or last waited in.
pub const CONVERSATION_QUEUE: TableDefinition<u64, (u64, i64, u8)> =
    TableDefinition::new("conversation_queue");
/// (conversation id, notice code) → when it was last sent (Unix ms): automated messages sent at
/// most once per conversation (out of hours, holiday) or paced (position in queue).
pub const CONVERSATION_NOTICE: TableDefinition<(u64, u8), i64> =
    TableDefinition::new("conversation_notice");
/// (conversation id, when it entered the queue in Unix ms) → (queue id, when it left in Unix ms):
/// every stay of a conversation in a queue that ended (assigned, closed, moved on), for reports.
pub const CONVERSATION_QUEUEVISITS: TableDefinition<(u64, i64), (u64, i64)> =
    TableDefinition::new("conversation_queuevisits");
/// "trigger|channel|workstream id or 0" (see `SwitchKey::storage_key`) → whether an admin turned
/// that automated message on or off there; absent means the trigger's default.
pub const AUTOMATED_SWITCH: TableDefinition<&str, bool> = TableDefinition::new("automated_switch");
/// Upper-case keyword → 0: the words that opt a WhatsApp customer out. Empty means the defaults
/// (`domain::optout::WHATSAPP_DEFAULT_OPT_OUT`).
pub const WHATSAPP_OPTOUT_KEYWORD: TableDefinition<&str, u8> =
    TableDefinition::new("whatsapp_optout_keyword");
/// Rule id → `StoredRule`: a work classification rule and its workstream.
pub const RULE_RECORD: TableDefinition<u64, &[u8]> = TableDefinition::new("rule_record");
/// Workstream id → `RuleOrder`: its rules' ids in evaluation order.
pub const WORKSTREAM_RULEORDER: TableDefinition<u64, &[u8]> =
    TableDefinition::new("workstream_ruleorder");
/// Skill id → `Skill`.
pub const SKILL_RECORD: TableDefinition<u64, &[u8]> = TableDefinition::new("skill_record");
/// Skill name in Unicode lower case → skill id: names are unique regardless of case.
pub const SKILLNAME_SKILL: TableDefinition<&str, u64> = TableDefinition::new("skillname_skill");
/// (user id, skill id) → proficiency (1–10): the skills an agent holds.
pub const USER_SKILLS: TableDefinition<(u64, u64), u8> = TableDefinition::new("user_skills");
/// Workstream id → `MatchMode::code`: exact or closest skill match. Absent means exact.
pub const WORKSTREAM_SKILLMATCH: TableDefinition<u64, u8> =
    TableDefinition::new("workstream_skillmatch");
/// (workstream id, variable name in lower case) → `ContextVariable`.
pub const WORKSTREAM_CONTEXTVARIABLES: TableDefinition<(u64, &str), &[u8]> =
    TableDefinition::new("workstream_contextvariables");
/// (conversation id, variable name in lower case) → `ContextValue` set for the conversation.
pub const CONVERSATION_CONTEXT: TableDefinition<(u64, &str), &[u8]> =
    TableDefinition::new("conversation_context");
/// Conversation id → `RequiredSkills`: the skills its routing rule requires of an agent.
pub const CONVERSATION_SKILLS: TableDefinition<u64, &[u8]> =
    TableDefinition::new("conversation_skills");
/// Conversation id → `RoutingDiagnostics`: the rules evaluated, the match, the queue chosen.
pub const CONVERSATION_ROUTING: TableDefinition<u64, &[u8]> =
    TableDefinition::new("conversation_routing");
/// Workstream id → minutes: the least time between two position-in-queue messages to one
/// customer. Absent: `domain::queue::DEFAULT_POSITION_MINUTES`.
pub const WORKSTREAM_POSITIONMINUTES: TableDefinition<u64, u32> =
    TableDefinition::new("workstream_positionminutes");

/// Workstream id → `StoredBot`: the bot that takes its new conversations before routing.
pub const WORKSTREAM_BOT: TableDefinition<u64, &[u8]> = TableDefinition::new("workstream_bot");
/// Conversation id → `BotHold`: a conversation the bot holds (not offered to agents).
pub const CONVERSATION_BOT: TableDefinition<u64, &[u8]> = TableDefinition::new("conversation_bot");

/// (account id, provider message id) → a delivery status report to that account that came before
/// the send's provider id was stored (a provider whose reports carry no key of ours, ACS):
/// encoded `status::EarlyStatus`, applied and removed when the attempt that got the id is recorded.
pub const PROVIDERID_EARLYSTATUS: TableDefinition<(u64, &str), &[u8]> =
    TableDefinition::new("providerid_earlystatus");

/// Article id → `knowledge::Article`.
pub const ARTICLE_RECORD: TableDefinition<u64, &[u8]> = TableDefinition::new("article_record");
/// Article slug → article id: one article per public address.
pub const SLUG_ARTICLE: TableDefinition<&str, u64> = TableDefinition::new("slug_article");
/// Workstream id → `domain::knowledge::script::Script`: its agent script.
pub const WORKSTREAM_SCRIPT: TableDefinition<u64, &[u8]> =
    TableDefinition::new("workstream_script");
/// Workstream id → `domain::offer_card::OfferCard` flags: what its offers show the agent.
pub const WORKSTREAM_OFFERCARD: TableDefinition<u64, u8> =
    TableDefinition::new("workstream_offercard");
/// (conversation id, script step id) → (user id, when in Unix ms): the script steps ticked off
/// in a conversation, by whom and when. Unticking removes the row.
pub const CONVERSATION_SCRIPTTICKS: TableDefinition<(u64, u32), (u64, i64)> =
    TableDefinition::new("conversation_scriptticks");

/// (opened at in Unix ms, conversation id) → `domain::reports::ConversationFact`: what reports
/// read, kept up to date by every write that changes the conversation (`facts::refresh`). Keyed
/// by opening time so a report's date range is one range scan.
pub const CONVERSATION_FACTS: TableDefinition<(i64, u64), &[u8]> =
    TableDefinition::new("openedconversation_facts");
/// "built" → the layout version (`facts::FACTS_VERSION`) the facts were built at; absent: the
/// store was written before facts were kept, and start-up builds them.
pub const META_FACTS: TableDefinition<&str, u32> = TableDefinition::new("meta_facts");

// (more tables: add them above this line and to `create_all`)

/// (user id, conversation id) → the seq of the last message that user has seen in it (the
/// workspace's unread counts start after it).
pub const USERCONVERSATION_READ: TableDefinition<(u64, u64), u64> =
    TableDefinition::new("userconversation_read");

/// Conversation id → the contact an agent linked it to (encoded `contacts::ContactLink`); absent:
/// the contact of the conversation's own phone number.
pub const CONVERSATION_CONTACTLINK: TableDefinition<u64, &[u8]> =
    TableDefinition::new("conversation_contactlink");

/// User id → the IANA time zone the user chose for pages shown without JavaScript.
pub const USER_TIMEZONE: TableDefinition<u64, &str> = TableDefinition::new("user_timezone");

/// (conversation id, user id) → when (ms) that user was invited to consult on it; removed when
/// the consult ends. Consultants also stay in `conversation_participants`.
pub const CONVERSATION_CONSULTS: TableDefinition<(u64, u64), u64> =
    TableDefinition::new("conversation_consults");

/// Hex SHA-256 of a built-in survey link's token → `surveys::SurveyRecord`. The token itself is
/// never stored.
pub const TOKENHASH_SURVEY: TableDefinition<&str, &[u8]> = TableDefinition::new("tokenhash_survey");
/// Conversation id → the token hash of the survey sent when it ended.
pub const CONVERSATION_SURVEY: TableDefinition<u64, &str> =
    TableDefinition::new("conversation_survey");

/// Creates every table so read transactions never meet a missing one.
pub fn create_all(tx: &redb::WriteTransaction) -> Result<(), redb::TableError> {
    tx.open_table(META_COUNTER)?;
    tx.open_table(META_PROBE)?;
    tx.open_table(ACCOUNT_RECORD)?;
    tx.open_table(WEBHOOKKEY_ACCOUNT)?;
    tx.open_table(NUMBER_RECORD)?;
    tx.open_table(ADDRESS_NUMBER)?;
    tx.open_table(WORKSTREAM_RECORD)?;
    tx.open_table(NUMBER_WORKSTREAM)?;
    tx.open_table(TEMPLATE_RECORD)?;
    tx.open_table(CONTACT_RECORD)?;
    tx.open_table(PHONE_CONTACT)?;
    tx.open_table(CONVERSATION_RECORD)?;
    tx.open_table(NUMBERCUSTOMER_OPENCONVERSATION)?;
    tx.open_table(CONVERSATION_MESSAGES)?;
    tx.open_table(PROVIDERID_MESSAGE)?;
    tx.open_table(OUTBOX_JOB)?;
    tx.open_table(PENDING_MEDIA)?;
    tx.open_table(USER_RECORD)?;
    tx.open_table(EMAIL_USER)?;
    tx.open_table(TOKENHASH_SESSION)?;
    tx.open_table(USER_SESSIONS)?;
    tx.open_table(HOURS_RECORD)?;
    tx.open_table(QUICKREPLY_RECORD)?;
    tx.open_table(AUTOMATED_OVERRIDE)?;
    tx.open_table(WORKSTREAM_MEMBERS)?;
    tx.open_table(USER_PRESENCE)?;
    tx.open_table(CONVERSATION_HOLD)?;
    tx.open_table(CONVERSATION_PREVIOUS)?;
    tx.open_table(NUMBERCUSTOMER_LASTCONVERSATION)?;
    tx.open_table(CONVERSATION_PARTICIPANTS)?;
    tx.open_table(USER_CONVERSATIONS)?;
    tx.open_table(CONVERSATION_FLAG)?;
    tx.open_table(JOB_ATTEMPT)?;
    tx.open_table(MESSAGE_ROUND)?;
    tx.open_table(DEVICEHASH_USER)?;
    tx.open_table(USER_DEVICES)?;
    tx.open_table(QUEUE_RECORD)?;
    tx.open_table(WORKSTREAM_QUEUES)?;
    tx.open_table(QUEUE_MEMBERS)?;
    tx.open_table(CONVERSATION_QUEUE)?;
    tx.open_table(CONVERSATION_NOTICE)?;
    tx.open_table(CONVERSATION_QUEUEVISITS)?;
    tx.open_table(WORKSTREAM_POSITIONMINUTES)?;
    tx.open_table(AUTOMATED_SWITCH)?;
    tx.open_table(WHATSAPP_OPTOUT_KEYWORD)?;
    tx.open_table(RULE_RECORD)?;
    tx.open_table(WORKSTREAM_RULEORDER)?;
    tx.open_table(SKILL_RECORD)?;
    tx.open_table(SKILLNAME_SKILL)?;
    tx.open_table(USER_SKILLS)?;
    tx.open_table(WORKSTREAM_SKILLMATCH)?;
    tx.open_table(WORKSTREAM_CONTEXTVARIABLES)?;
    tx.open_table(CONVERSATION_CONTEXT)?;
    tx.open_table(CONVERSATION_SKILLS)?;
    tx.open_table(CONVERSATION_ROUTING)?;
    tx.open_table(WORKSTREAM_BOT)?;
    tx.open_table(CONVERSATION_BOT)?;
    tx.open_table(PROVIDERID_EARLYSTATUS)?;
    tx.open_table(ARTICLE_RECORD)?;
    tx.open_table(SLUG_ARTICLE)?;
    tx.open_table(WORKSTREAM_SCRIPT)?;
    tx.open_table(CONVERSATION_SCRIPTTICKS)?;
    tx.open_table(USERCONVERSATION_READ)?;
    tx.open_table(CONVERSATION_CONTACTLINK)?;
    tx.open_table(USER_TIMEZONE)?;
    tx.open_table(CONVERSATION_CONSULTS)?;
    tx.open_table(TOKENHASH_SURVEY)?;
    tx.open_table(CONVERSATION_SURVEY)?;
    tx.open_table(CONVERSATION_FACTS)?;
    tx.open_table(META_FACTS)?;
    tx.open_table(WORKSTREAM_OFFERCARD)?;
    // (more tables: open them above this line)
    Ok(())
}
