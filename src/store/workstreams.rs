//! Workstreams as the admin pages change them: create, rename, the channel-setup steps, the work
//! distribution settings, copy and delete. `NUMBER_WORKSTREAM` is kept equal to the workstreams'
//! number lists (a number serves at most one workstream), and every refusal is decided before the
//! first write of its closure.

use super::records::{Conversation, DistributionMode, SenderNumber, Workstream};
use super::tables::{
    CONVERSATION_RECORD, HOURS_RECORD, NUMBER_RECORD, NUMBER_WORKSTREAM,
    NUMBERCUSTOMER_OPENCONVERSATION, WORKSTREAM_RECORD,
};
use super::{Store, StoreError, all_records, codec, get_record, next_id};
use crate::domain::language::LanguageCode;
use crate::domain::workstream::{
    Attachments, Distribution, QueueName, SetupProgress, SetupStep, Survey, WorkstreamName,
};
use crate::domain::{Channel, ConversationState, HoursId, NumberId, WorkstreamId};
use redb::{ReadableTable, WriteTransaction};
use std::fmt;

/// Why a workstream change was refused; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkstreamRefusal {
    #[error("No such workstream.")]
    Unknown,
    #[error("A workstream named {0} already exists.")]
    DuplicateName(String),
    #[error("One of the chosen numbers no longer exists.")]
    UnknownNumber,
    #[error("{0} is not a number of this workstream's channel.")]
    ChannelMismatch(String),
    #[error("{0} already serves another workstream.")]
    NumberInUse(String),
    #[error("That operating-hours record no longer exists.")]
    UnknownHours,
    #[error(
        "{0} open conversation(s) use this workstream. It can be deleted once they are closed."
    )]
    InUse(u64),
}

/// A new workstream as the create form, the CLI and the demo seed give it.
#[derive(Debug, Clone)]
pub struct WorkstreamDraft {
    pub name: WorkstreamName,
    pub channel: Channel,
    pub mode: DistributionMode,
    /// None: "<name> (default)".
    pub fallback_queue: Option<QueueName>,
    /// The numbers it serves from the start (the form leaves this to the channel setup).
    pub numbers: Vec<NumberId>,
}

/// What the workstream's own form changes; the channel and the mode are fixed.
#[derive(Debug, Clone)]
pub struct WorkstreamProfile {
    pub name: WorkstreamName,
    pub fallback_queue: QueueName,
}

/// One saved step of "Set up the channel".
#[derive(Debug, Clone)]
pub enum SetupChange {
    Numbers(Vec<NumberId>),
    Language(LanguageCode),
    Behaviors {
        operation_hours: Option<HoursId>,
        survey: Option<Survey>,
    },
    Features(Attachments),
    Finish,
}

impl SetupChange {
    fn step(&self) -> SetupStep {
        match self {
            SetupChange::Numbers(_) => SetupStep::Numbers,
            SetupChange::Language(_) => SetupStep::Language,
            SetupChange::Behaviors { .. } => SetupStep::Behaviors,
            SetupChange::Features(_) => SetupStep::Features,
            SetupChange::Finish => SetupStep::Summary,
        }
    }
}

pub type Refusable<T> = Result<Result<T, WorkstreamRefusal>, StoreError>;

impl DistributionMode {
    pub const ALL: [DistributionMode; 2] = [DistributionMode::Push, DistributionMode::Pick];

    /// The form value.
    pub fn as_str(self) -> &'static str {
        match self {
            DistributionMode::Push => "push",
            DistributionMode::Pick => "pick",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

impl fmt::Display for DistributionMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DistributionMode::Push => "Push",
            DistributionMode::Pick => "Pick",
        })
    }
}

impl Workstream {
    /// A workstream with no numbers and every setting at its default.
    pub fn with_defaults(
        id: WorkstreamId,
        name: WorkstreamName,
        channel: Channel,
        mode: DistributionMode,
    ) -> Self {
        Self {
            id,
            fallback_queue: QueueName::default_for(name.as_str()),
            name,
            channel,
            numbers: Vec::new(),
            mode,
            language: None,
            operation_hours: None,
            survey: None,
            attachments: Attachments::default(),
            distribution: Distribution::default(),
            setup: SetupProgress::default(),
        }
    }
}

impl Store {
    pub async fn workstream(&self, id: WorkstreamId) -> Result<Option<Workstream>, StoreError> {
        self.read(move |rtx| get_record(&rtx.open_table(WORKSTREAM_RECORD)?, id.get()))
            .await
    }

    /// Creates a workstream with the draft's numbers and default settings: the one way a
    /// workstream comes to be, for the admin pages, the CLI and the demo seed alike.
    pub async fn create_workstream(&self, draft: WorkstreamDraft) -> Refusable<Workstream> {
        self.write(move |tx| {
            let mut table = tx.open_table(WORKSTREAM_RECORD)?;
            if name_taken(&table, &draft.name.key(), None)? {
                return Ok(Err(duplicate(&draft.name)));
            }
            if let Err(refusal) = check_numbers(tx, draft.channel, None, &draft.numbers)? {
                return Ok(Err(refusal));
            }
            let id = WorkstreamId::new(next_id(tx, "workstream")?);
            let mut ws =
                Workstream::with_defaults(id, draft.name.clone(), draft.channel, draft.mode);
            if let Some(q) = &draft.fallback_queue {
                ws.fallback_queue = q.clone();
            }
            serve_numbers(tx, id, &draft.numbers)?;
            ws.numbers = draft.numbers.clone();
            table.insert(id.get(), codec::encode(&ws)?.as_slice())?;
            drop(table);
            super::queues::ensure_fallback(tx, &ws, &[])?;
            Ok(Ok(ws))
        })
        .await
    }

    pub async fn update_workstream_profile(
        &self,
        id: WorkstreamId,
        profile: WorkstreamProfile,
    ) -> Refusable<Workstream> {
        self.write(move |tx| {
            let mut table = tx.open_table(WORKSTREAM_RECORD)?;
            let Some(mut ws) = get_record::<Workstream, _>(&table, id.get())? else {
                return Ok(Err(WorkstreamRefusal::Unknown));
            };
            if name_taken(&table, &profile.name.key(), Some(id))? {
                return Ok(Err(duplicate(&profile.name)));
            }
            ws.name = profile.name.clone();
            ws.fallback_queue = profile.fallback_queue.clone();
            table.insert(id.get(), codec::encode(&ws)?.as_slice())?;
            drop(table);
            super::queues::ensure_fallback(tx, &ws, &[])?;
            Ok(Ok(ws))
        })
        .await
    }

    /// Saves one step of the channel setup and moves the setup past it.
    pub async fn save_workstream_setup(
        &self,
        id: WorkstreamId,
        change: SetupChange,
    ) -> Refusable<Workstream> {
        self.write(move |tx| {
            let Some(mut ws) =
                get_record::<Workstream, _>(&tx.open_table(WORKSTREAM_RECORD)?, id.get())?
            else {
                return Ok(Err(WorkstreamRefusal::Unknown));
            };
            match &change {
                SetupChange::Numbers(wanted) => {
                    if let Err(refusal) = check_numbers(tx, ws.channel, Some(id), wanted)? {
                        return Ok(Err(refusal));
                    }
                    serve_numbers(tx, id, wanted)?;
                    ws.numbers = wanted.clone();
                }
                SetupChange::Language(l) => ws.language = Some(l.clone()),
                SetupChange::Behaviors {
                    operation_hours,
                    survey,
                } => {
                    if let Some(h) = operation_hours
                        && tx.open_table(HOURS_RECORD)?.get(h.get())?.is_none()
                    {
                        return Ok(Err(WorkstreamRefusal::UnknownHours));
                    }
                    ws.operation_hours = *operation_hours;
                    ws.survey = survey.clone();
                }
                SetupChange::Features(a) => ws.attachments = *a,
                SetupChange::Finish => ws.setup.finished = true,
            }
            ws.setup.saved(change.step());
            tx.open_table(WORKSTREAM_RECORD)?
                .insert(id.get(), codec::encode(&ws)?.as_slice())?;
            Ok(Ok(ws))
        })
        .await
    }

    pub async fn set_workstream_distribution(
        &self,
        id: WorkstreamId,
        distribution: Distribution,
    ) -> Refusable<Workstream> {
        self.write(move |tx| {
            let mut table = tx.open_table(WORKSTREAM_RECORD)?;
            let Some(mut ws) = get_record::<Workstream, _>(&table, id.get())? else {
                return Ok(Err(WorkstreamRefusal::Unknown));
            };
            ws.distribution = distribution.clone();
            table.insert(id.get(), codec::encode(&ws)?.as_slice())?;
            Ok(Ok(ws))
        })
        .await
    }

    /// "Copy of <name>" with every setting but the numbers (a number serves one workstream), so
    /// the copy's channel setup starts again at its numbers.
    pub async fn copy_workstream(&self, id: WorkstreamId) -> Refusable<Workstream> {
        self.write(move |tx| {
            let mut table = tx.open_table(WORKSTREAM_RECORD)?;
            let Some(original) = get_record::<Workstream, _>(&table, id.get())? else {
                return Ok(Err(WorkstreamRefusal::Unknown));
            };
            let mut name = None;
            for n in 1..=1_000 {
                let candidate = WorkstreamName::copy_of(original.name.as_str(), n);
                if !name_taken(&table, &candidate.key(), None)? {
                    name = Some(candidate);
                    break;
                }
            }
            let Some(name) = name else {
                let taken = WorkstreamName::copy_of(original.name.as_str(), 1);
                return Ok(Err(duplicate(&taken)));
            };
            let copy = Workstream {
                id: WorkstreamId::new(next_id(tx, "workstream")?),
                name,
                numbers: Vec::new(),
                setup: SetupProgress::default(),
                ..original
            };
            table.insert(copy.id.get(), codec::encode(&copy)?.as_slice())?;
            drop(table);
            super::queues::ensure_fallback(tx, &copy, &[])?;
            super::offer_cards::copy_card(tx, id, copy.id)?;
            Ok(Ok(copy))
        })
        .await
    }

    /// Deletes a workstream no open conversation uses, and frees its numbers.
    pub async fn delete_workstream(&self, id: WorkstreamId) -> Refusable<Workstream> {
        self.write(move |tx| {
            let mut table = tx.open_table(WORKSTREAM_RECORD)?;
            let Some(ws) = get_record::<Workstream, _>(&table, id.get())? else {
                return Ok(Err(WorkstreamRefusal::Unknown));
            };
            let open = open_conversations(
                &tx.open_table(NUMBERCUSTOMER_OPENCONVERSATION)?,
                &tx.open_table(CONVERSATION_RECORD)?,
                id,
            )?;
            if open > 0 {
                return Ok(Err(WorkstreamRefusal::InUse(open)));
            }
            serve_numbers(tx, id, &[])?;
            table.remove(id.get())?;
            drop(table);
            // Its automated-message overrides go with it; templates and quick replies keep the
            // dead id (ids are never reused) so a reply linked only to it does not turn global.
            super::automated::remove_overrides_of(tx, id)?;
            super::queues::remove_queues_of(tx, id)?;
            super::scripts::remove_script_of(tx, id)?;
            super::offer_cards::remove_card_of(tx, id)?;
            Ok(Ok(ws))
        })
        .await
    }

    /// Every number with the workstream that serves it, in id order.
    pub async fn numbers_with_workstreams(
        &self,
    ) -> Result<Vec<(SenderNumber, Option<WorkstreamId>)>, StoreError> {
        self.read(|rtx| {
            let served = rtx.open_table(NUMBER_WORKSTREAM)?;
            let numbers: Vec<SenderNumber> = all_records(&rtx.open_table(NUMBER_RECORD)?)?;
            let mut out = Vec::with_capacity(numbers.len());
            for n in numbers {
                let ws = served
                    .get(n.id.get())?
                    .map(|g| WorkstreamId::new(g.value()));
                out.push((n, ws));
            }
            Ok(out)
        })
        .await
    }

    /// How many conversations that are not Closed belong to the workstream.
    pub async fn workstream_open_conversations(&self, id: WorkstreamId) -> Result<u64, StoreError> {
        self.read(move |rtx| {
            open_conversations(
                &rtx.open_table(NUMBERCUSTOMER_OPENCONVERSATION)?,
                &rtx.open_table(CONVERSATION_RECORD)?,
                id,
            )
        })
        .await
    }
}

fn duplicate(name: &WorkstreamName) -> WorkstreamRefusal {
    WorkstreamRefusal::DuplicateName(name.as_str().to_owned())
}

/// Whether another workstream (not `except`) has the name with this key.
fn name_taken<T>(table: &T, key: &str, except: Option<WorkstreamId>) -> Result<bool, StoreError>
where
    T: ReadableTable<u64, &'static [u8]>,
{
    let all: Vec<Workstream> = all_records(table)?;
    Ok(all
        .iter()
        .any(|w| Some(w.id) != except && w.name.key() == key))
}

/// Counts the open-conversation index's conversations of `id` that are not Closed.
fn open_conversations<I, C>(index: &I, convs: &C, id: WorkstreamId) -> Result<u64, StoreError>
where
    I: ReadableTable<(u64, &'static str), u64>,
    C: ReadableTable<u64, &'static [u8]>,
{
    let mut count = 0;
    for row in index.iter()? {
        let (_, conv) = row?;
        let Some(c) = get_record::<Conversation, _>(convs, conv.value())? else {
            continue;
        };
        if c.workstream_id == Some(id) && c.state != ConversationState::Closed {
            count += 1;
        }
    }
    Ok(count)
}

/// Every wanted number exists, is of the workstream's channel and serves no other workstream
/// than `ws` (None: a workstream still to be created).
fn check_numbers(
    tx: &WriteTransaction,
    channel: Channel,
    ws: Option<WorkstreamId>,
    wanted: &[NumberId],
) -> Result<Result<(), WorkstreamRefusal>, StoreError> {
    let numbers = tx.open_table(NUMBER_RECORD)?;
    let served = tx.open_table(NUMBER_WORKSTREAM)?;
    for n in wanted {
        let Some(num) = get_record::<SenderNumber, _>(&numbers, n.get())? else {
            return Ok(Err(WorkstreamRefusal::UnknownNumber));
        };
        if num.channel != channel {
            return Ok(Err(WorkstreamRefusal::ChannelMismatch(
                num.number.to_string(),
            )));
        }
        if served
            .get(n.get())?
            .is_some_and(|g| Some(g.value()) != ws.map(WorkstreamId::get))
        {
            return Ok(Err(WorkstreamRefusal::NumberInUse(num.number.to_string())));
        }
    }
    Ok(Ok(()))
}

/// Makes `numbers` exactly the numbers that `NUMBER_WORKSTREAM` gives to `id`. Only writes: the
/// caller has checked that none serves another workstream.
fn serve_numbers(
    tx: &WriteTransaction,
    id: WorkstreamId,
    numbers: &[NumberId],
) -> Result<(), StoreError> {
    let mut served = tx.open_table(NUMBER_WORKSTREAM)?;
    let mut dropped = Vec::new();
    for row in served.iter()? {
        let (n, ws) = row?;
        if ws.value() == id.get() && !numbers.iter().any(|x| x.get() == n.value()) {
            dropped.push(n.value());
        }
    }
    for n in dropped {
        served.remove(n)?;
    }
    for n in numbers {
        served.insert(n.get(), id.get())?;
    }
    Ok(())
}
