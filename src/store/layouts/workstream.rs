//! `Workstream` layouts. Layout 1 was written in two shapes behind the same version byte: first
//! without the settings (the record ends after `fallback_queue`), later with the channel setup and
//! distribution settings appended. Layout 2 is the second shape with the names checked. Layout 3
//! makes the survey a choice (an external link or the built-in survey): an earlier survey was
//! always a link.

use super::checked;
use crate::domain::language::LanguageCode;
use crate::domain::workstream::{
    Attachments, Distribution, QueueName, SetupProgress, Survey, SurveyLink, WorkstreamName,
};
use crate::domain::{Channel, HoursId, NumberId, WorkstreamId};
use crate::store::codec::{DecodeError, Record, exact, grown, unknown};
use crate::store::records::{DistributionMode, Workstream};
use serde::Deserialize;

impl Record for Workstream {
    const TABLE: &'static str = "workstream_record";
    const VERSION: u8 = 3;

    fn decode_earlier(version: u8, body: &[u8]) -> Result<Self, DecodeError> {
        match version {
            1 => v1(body),
            2 => v2(body),
            _ => Err(unknown::<Self>(version)),
        }
    }
}

/// The survey of layouts 1 and 2: always an external link.
#[derive(Deserialize)]
struct LinkSurvey {
    link: SurveyLink,
    message: String,
}

impl From<LinkSurvey> for Survey {
    fn from(s: LinkSurvey) -> Self {
        Survey::Link {
            link: s.link,
            message: s.message,
        }
    }
}

/// Layout 2: today's fields with the survey a link.
#[derive(Deserialize)]
struct V2 {
    id: WorkstreamId,
    name: WorkstreamName,
    channel: Channel,
    numbers: Vec<NumberId>,
    mode: DistributionMode,
    fallback_queue: QueueName,
    language: Option<LanguageCode>,
    operation_hours: Option<HoursId>,
    survey: Option<LinkSurvey>,
    attachments: Attachments,
    distribution: Distribution,
    setup: SetupProgress,
}

fn v2(body: &[u8]) -> Result<Workstream, DecodeError> {
    let w: V2 = exact(2, body)?;
    Ok(Workstream {
        id: w.id,
        name: w.name,
        channel: w.channel,
        numbers: w.numbers,
        mode: w.mode,
        fallback_queue: w.fallback_queue,
        language: w.language,
        operation_hours: w.operation_hours,
        survey: w.survey.map(Survey::from),
        attachments: w.attachments,
        distribution: w.distribution,
        setup: w.setup,
    })
}

/// What every layout-1 record starts with.
#[derive(Deserialize)]
struct V1Head {
    id: WorkstreamId,
    name: String,
    channel: Channel,
    numbers: Vec<NumberId>,
    mode: DistributionMode,
    fallback_queue: String,
}

/// What later layout-1 records carry after the head.
#[derive(Deserialize)]
struct V1Settings {
    language: Option<LanguageCode>,
    operation_hours: Option<HoursId>,
    survey: Option<LinkSurvey>,
    attachments: Attachments,
    distribution: Distribution,
    setup: SetupProgress,
}

/// A record without settings had none chosen yet: today's defaults.
fn v1(body: &[u8]) -> Result<Workstream, DecodeError> {
    let (head, settings): (V1Head, Option<V1Settings>) = grown(1, body)?;
    let name = checked("name", WorkstreamName::parse(&head.name))?;
    let mut ws = Workstream::with_defaults(head.id, name, head.channel, head.mode);
    ws.numbers = head.numbers;
    ws.fallback_queue = checked("fallback_queue", QueueName::parse(&head.fallback_queue))?;
    if let Some(s) = settings {
        ws.language = s.language;
        ws.operation_hours = s.operation_hours;
        ws.survey = s.survey.map(Survey::from);
        ws.attachments = s.attachments;
        ws.distribution = s.distribution;
        ws.setup = s.setup;
    }
    Ok(ws)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::workstream::{Presence, SetupStep, WrapUp};
    use crate::store::StoreError;
    use crate::store::codec::{decode_at, encode};

    /// Bytes a build from before the settings wrote: workstream 3 "Support", WhatsApp, numbers
    /// 1 and 2, pick mode, fallback queue "Support (default)".
    const V1_WITHOUT_SETTINGS: &[u8] = &[
        1, 3, 7, 83, 117, 112, 112, 111, 114, 116, 1, 2, 1, 2, 1, 17, 83, 117, 112, 112, 111, 114,
        116, 32, 40, 100, 101, 102, 97, 117, 108, 116, 41,
    ];

    /// Bytes a build with the settings wrote under version 1: `spanish_sales()`.
    const V1_WITH_SETTINGS: &[u8] = &[
        1, 4, 6, 86, 101, 110, 116, 97, 115, 1, 1, 7, 0, 16, 86, 101, 110, 116, 97, 115, 32, 40,
        100, 101, 102, 97, 117, 108, 116, 41, 1, 2, 101, 115, 1, 2, 1, 21, 104, 116, 116, 112, 115,
        58, 47, 47, 101, 120, 97, 109, 112, 108, 101, 46, 99, 111, 109, 47, 115, 11, 194, 191, 81,
        117, 195, 169, 32, 116, 97, 108, 63, 0, 1, 1, 2, 0, 3, 0, 160, 11, 2, 5, 120, 4, 0,
    ];

    /// Where the survey starts in `V1_WITH_SETTINGS` (its `Some` byte).
    const SURVEY_AT: usize = 36;

    fn name(s: &str) -> WorkstreamName {
        WorkstreamName::parse(s).unwrap()
    }

    fn spanish_sales() -> Workstream {
        let mut ws = Workstream::with_defaults(
            WorkstreamId::new(4),
            name("Ventas"),
            Channel::WhatsApp,
            DistributionMode::Push,
        );
        ws.numbers = vec![NumberId::new(7)];
        ws.language = LanguageCode::parse("es").ok();
        ws.operation_hours = Some(HoursId::new(2));
        ws.survey = Some(Survey::Link {
            link: SurveyLink::parse("https://example.com/s").unwrap(),
            message: "¿Qué tal?".into(),
        });
        ws.attachments.agents = true;
        ws.distribution.allowed_presences = vec![Presence::Available, Presence::Away];
        ws.distribution.wrap_up = WrapUp::Minutes(5);
        ws.setup.saved(SetupStep::Features);
        ws
    }

    fn corrupt_reason(bytes: &[u8]) -> DecodeError {
        match decode_at::<Workstream>(9, bytes) {
            Err(StoreError::Corrupt { table, key, reason }) => {
                assert_eq!((table, key.as_str()), ("workstream_record", "9"));
                reason
            }
            other => panic!("not refused as corrupt: {other:?}"),
        }
    }

    #[test]
    fn layout_1_without_settings_reads_with_no_settings_chosen() {
        let ws: Workstream = decode_at(3, V1_WITHOUT_SETTINGS).unwrap();
        let mut expected = Workstream::with_defaults(
            WorkstreamId::new(3),
            name("Support"),
            Channel::WhatsApp,
            DistributionMode::Pick,
        );
        expected.numbers = vec![NumberId::new(1), NumberId::new(2)];
        assert_eq!(ws, expected);
    }

    #[test]
    fn layout_1_with_settings_reads_every_setting() {
        let ws: Workstream = decode_at(4, V1_WITH_SETTINGS).unwrap();
        assert_eq!(ws, spanish_sales());
    }

    #[test]
    fn layout_2_is_layout_1_with_settings_under_a_new_version_byte() {
        // The newtypes encode as their strings, so only the version byte tells them apart.
        let mut bytes = V1_WITH_SETTINGS.to_vec();
        bytes[0] = 2;
        assert_eq!(decode_at::<Workstream>(4, &bytes).unwrap(), spanish_sales());
    }

    #[test]
    fn layout_3_tells_the_survey_kind_and_keeps_the_built_in_texts() {
        // The survey's enum variant (0: link) sits where layout 2's survey began.
        let bytes = encode(&spanish_sales()).unwrap();
        assert_eq!(bytes[0], 3);
        let at = SURVEY_AT;
        assert_eq!(&bytes[1..at], &V1_WITH_SETTINGS[1..at]);
        assert_eq!(&bytes[at..at + 2], &[1, 0], "Some, variant 0");
        assert_eq!(&bytes[at + 2..], &V1_WITH_SETTINGS[at + 1..]);
        assert_eq!(decode_at::<Workstream>(4, &bytes).unwrap(), spanish_sales());
        let mut built_in = spanish_sales();
        built_in.survey = Some(Survey::BuiltIn {
            message: "¿Cómo lo hicimos?".into(),
            question: String::new(),
        });
        let bytes = encode(&built_in).unwrap();
        assert_eq!(decode_at::<Workstream>(4, &bytes).unwrap(), built_in);
    }

    #[test]
    fn layout_2_without_a_survey_reads_without_one() {
        let mut ws = spanish_sales();
        ws.survey = None;
        let mut bytes = encode(&ws).unwrap();
        bytes[0] = 2;
        assert_eq!(decode_at::<Workstream>(4, &bytes).unwrap(), ws);
    }

    #[test]
    fn a_record_cut_inside_the_settings_is_corrupt_not_defaults() {
        let cut = &V1_WITH_SETTINGS[..V1_WITH_SETTINGS.len() - 2];
        assert!(matches!(
            corrupt_reason(cut),
            DecodeError::Malformed { version: 1, .. }
        ));
        let mut v2 = encode(&spanish_sales()).unwrap();
        v2.truncate(v2.len() - 2);
        corrupt_reason(&v2);
    }

    #[test]
    fn garbage_after_the_head_is_corrupt_not_defaults() {
        let mut bytes = V1_WITHOUT_SETTINGS.to_vec();
        bytes.extend([0xff, 0xff, 0xff]);
        corrupt_reason(&bytes);
    }

    #[test]
    fn layout_2_must_carry_the_settings() {
        let mut bytes = V1_WITHOUT_SETTINGS.to_vec();
        bytes[0] = 2;
        corrupt_reason(&bytes);
    }

    #[test]
    fn a_name_todays_rules_refuse_is_corrupt_naming_the_field() {
        // Version 1 names were not checked when the CLI wrote them: an empty name.
        let mut bytes = vec![1, 3, 0];
        bytes.extend(&V1_WITHOUT_SETTINGS[10..]);
        assert!(matches!(
            corrupt_reason(&bytes),
            DecodeError::Invalid { field: "name", .. }
        ));
    }

    #[test]
    fn future_versions_are_refused() {
        let mut bytes = encode(&spanish_sales()).unwrap();
        bytes[0] = 4;
        assert_eq!(
            corrupt_reason(&bytes),
            DecodeError::UnknownVersion {
                found: 4,
                current: 3
            }
        );
    }
}
