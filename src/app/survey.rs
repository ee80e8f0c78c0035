//! The post-conversation survey, on the `Desk`: at End the "agent ended" message carries the
//! workstream's external survey link, or a new single-use link to omnidesk's own survey
//! (`/survey/{token}`, expiring after 7 days; only the token's hash is stored), never when the
//! WhatsApp window has closed (the agent is told instead). The public page reads and answers it
//! here; the answer is stored once with its line in the thread (`store::surveys`).

use super::automated::{Automated, Fill};
use super::{Desk, DeskError};
use crate::auth::{random_token, token_hash};
use crate::domain::automated::Trigger;
use crate::domain::language::LanguageCode;
use crate::domain::survey::{
    self, Answer, NOT_SENT_WINDOW, SurveyRefusal, SurveyToken, Words, default_message,
    default_question,
};
use crate::domain::workstream::Survey;
use crate::domain::{ConversationId, Timestamp};
use crate::live::LiveEvent;
use crate::store::outbox::{SendRefusal, free_form_open};
use crate::store::records::{Conversation, Workstream};
use crate::store::surveys::SurveyRecord;
use crate::store::users::User;

/// What became of the survey at End.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndSurvey {
    /// The workstream has no survey, or its external link went with the goodbye (or not).
    NoBuiltIn,
    /// The built-in survey's link was sent.
    Sent,
    /// The WhatsApp window had closed: no survey, and the thread says so.
    WindowClosed,
}

impl EndSurvey {
    /// What the agent's page says after End, if anything.
    pub fn notice(self) -> Option<&'static str> {
        (self == EndSurvey::WindowClosed).then_some(NOT_SENT_WINDOW)
    }
}

/// The public page of a survey link: what to ask, in which language, or why it cannot be
/// answered.
#[derive(Debug, Clone)]
pub struct SurveyView {
    pub words: &'static Words,
    pub question: String,
    /// None: the survey can be answered (or, after `answer_survey`, it just was).
    pub refusal: Option<SurveyRefusal>,
}

impl SurveyView {
    fn unknown() -> Self {
        Self {
            words: Words::for_language("en"),
            question: String::new(),
            refusal: Some(SurveyRefusal::Unknown),
        }
    }

    fn of(s: &SurveyRecord, refusal: Option<SurveyRefusal>) -> Self {
        Self {
            words: Words::for_language(s.language.as_str()),
            question: s.question.clone(),
            refusal,
        }
    }
}

/// What the conversation page says about the conversation's survey.
pub fn survey_summary(s: &SurveyRecord, now: Timestamp) -> String {
    match (&s.answer, s.refusal(now)) {
        (Some(a), _) => a.answer.line(),
        (None, Some(SurveyRefusal::Expired)) => {
            "Survey sent; not answered (the link expired).".to_owned()
        }
        (None, _) => "Survey sent; no answer yet.".to_owned(),
    }
}

impl Desk {
    /// The "agent ended" message with the workstream's survey, and what became of the survey.
    /// A refusal of the message (e.g. the WhatsApp window closed) only skips it; a built-in
    /// survey whose message was refused is discarded so its link never works.
    pub(crate) async fn say_goodbye(
        &self,
        conv: &Conversation,
        ws: Option<&Workstream>,
        agent: &User,
    ) -> EndSurvey {
        let fill = Fill::agent(agent.name.clone());
        let mut started = None;
        let appendix = match ws.and_then(|w| w.survey.as_ref().map(|s| (w, s))) {
            None => None,
            Some((_, Survey::Link { link, message })) => {
                let intro = if message.is_empty() {
                    "Tell us how we did:"
                } else {
                    message.as_str()
                };
                Some(format!("{intro} {}", link.as_str()))
            }
            Some((_, Survey::BuiltIn { .. })) if !free_form_open(conv, self.now()) => {
                return self.survey_not_sent(conv).await;
            }
            Some((w, Survey::BuiltIn { message, question })) => {
                match self.start_survey(conv, w, agent, question).await {
                    Ok((hash, link)) => {
                        started = Some(hash);
                        let language = survey_language(w);
                        Some(format!(
                            "{} {link}",
                            default_message(message, language.as_str())
                        ))
                    }
                    Err(e) => {
                        tracing::warn!(conversation = %conv.id, error = %e, "the survey could not be created");
                        None
                    }
                }
            }
        };
        let sent = self
            .send_automated_with(conv, Trigger::AgentEnded, &fill, appendix)
            .await;
        let Some(hash) = started else {
            if let Err(e) = sent {
                tracing::warn!(conversation = %conv.id, error = %e, "the agent-ended message failed");
            }
            return EndSurvey::NoBuiltIn;
        };
        match sent {
            Ok(Automated::Sent(_)) => {
                match self.store().record_survey_sent(conv.id, self.now()).await {
                    Ok(Ok(())) => {}
                    Ok(Err(r)) => {
                        tracing::warn!(conversation = %conv.id, refusal = ?r, "the survey's sending was not noted for reports")
                    }
                    Err(e) => {
                        tracing::warn!(conversation = %conv.id, error = %e, "the survey's sending was not noted for reports")
                    }
                }
                EndSurvey::Sent
            }
            other => {
                if let Err(e) = self.store().discard_survey(hash).await {
                    tracing::warn!(conversation = %conv.id, error = %e, "an unsent survey could not be discarded");
                }
                match other {
                    Ok(Automated::Refused(SendRefusal::WindowExpired)) => {
                        self.survey_not_sent(conv).await
                    }
                    Ok(_) => EndSurvey::NoBuiltIn,
                    Err(e) => {
                        tracing::warn!(conversation = %conv.id, error = %e, "the agent-ended message failed");
                        EndSurvey::NoBuiltIn
                    }
                }
            }
        }
    }

    /// Tells the agent, in the thread, that the survey could not go.
    async fn survey_not_sent(&self, conv: &Conversation) -> EndSurvey {
        if let Err(e) = self.note_for_agent(conv, NOT_SENT_WINDOW.to_owned()).await {
            tracing::warn!(conversation = %conv.id, error = %e, "the survey notice failed");
        }
        EndSurvey::WindowClosed
    }

    /// Stores a new survey for `conv`; returns its token's hash and its link.
    async fn start_survey(
        &self,
        conv: &Conversation,
        ws: &Workstream,
        agent: &User,
        question: &str,
    ) -> Result<(String, String), DeskError> {
        let token = random_token();
        let hash = token_hash(&token);
        let now = self.now();
        let language = survey_language(ws);
        let record = SurveyRecord {
            conversation: conv.id,
            agent: Some(agent.id),
            workstream: ws.id,
            question: default_question(question, language.as_str()),
            language,
            sent_at: now,
            expires_at: now.saturating_add(survey::VALIDITY),
            answer: None,
        };
        self.store().create_survey(hash.clone(), record).await?;
        let link = format!(
            "{}/survey/{token}",
            self.settings().public_url().trim_end_matches('/')
        );
        Ok((hash, link))
    }

    /// The survey page for `token`: its question, or why it cannot be answered.
    pub async fn open_survey(&self, token: &SurveyToken) -> Result<SurveyView, DeskError> {
        let Some(s) = self.store().survey(token_hash(token.as_str())).await? else {
            return Ok(SurveyView::unknown());
        };
        Ok(SurveyView::of(&s, s.refusal(self.now())))
    }

    /// Stores the customer's answer once; the view says why not if it was refused.
    pub async fn answer_survey(
        &self,
        token: &SurveyToken,
        answer: Answer,
    ) -> Result<SurveyView, DeskError> {
        let hash = token_hash(token.as_str());
        match self.store().answer_survey(hash, answer, self.now()).await? {
            Ok((s, line)) => {
                if let Some(line) = line {
                    self.shared.live.publish(LiveEvent::MessageStored {
                        conversation: line.conversation_id,
                        seq: line.seq,
                    });
                }
                Ok(SurveyView::of(&s, None))
            }
            Err(SurveyRefusal::Unknown) => Ok(SurveyView::unknown()),
            Err(r) => {
                let s = self.store().survey(token_hash(token.as_str())).await?;
                Ok(s.map_or_else(SurveyView::unknown, |s| SurveyView::of(&s, Some(r))))
            }
        }
    }

    /// The line the conversation page shows about the conversation's survey, if one was sent.
    pub async fn survey_line(&self, conv: ConversationId) -> Result<Option<String>, DeskError> {
        Ok(self
            .store()
            .conversation_survey(conv)
            .await?
            .map(|s| survey_summary(&s, self.now())))
    }
}

/// The language the survey speaks: the workstream's, English until one is set.
fn survey_language(ws: &Workstream) -> LanguageCode {
    ws.language.clone().unwrap_or_else(LanguageCode::english)
}
