//! Agent scripts: a workstream's ordered checklist for its conversations. A step is either text
//! to send (the agent's "Use" puts it in the composer) or an instruction for the agent; each step
//! keeps its id when steps are added, moved or removed, so what an agent ticked stays ticked.
//! Step text may hold the quick replies' slugs (`{FirstName{Customer}}`), filled for each
//! conversation.

use crate::domain::quick_reply::{Context, QuickReplyText};
use serde::{Deserialize, Serialize};
use std::fmt;

pub const MAX_STEP_CHARS: usize = 2_000;
pub const MAX_STEPS: usize = 50;

/// A step's id within its script, stable across edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StepId(u32);

impl StepId {
    pub fn new(raw: u32) -> Self {
        Self(raw)
    }
    pub fn get(self) -> u32 {
        self.0
    }
}

/// Written `send_text` or `instruction` in a configuration file (stored records hold the index).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Text the agent sends to the customer.
    SendText,
    /// Something the agent does or checks (never sent).
    Instruction,
}

impl StepKind {
    pub const ALL: [StepKind; 2] = [StepKind::SendText, StepKind::Instruction];

    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::SendText => "send_text",
            StepKind::Instruction => "instruction",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
}

impl fmt::Display for StepKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StepKind::SendText => "Send text",
            StepKind::Instruction => "Instruction",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    #[error("Enter the step's text.")]
    Empty,
    #[error("A step is at most {MAX_STEP_CHARS} characters.")]
    TooLong,
    #[error("The text contains control characters that are not allowed.")]
    Characters,
    /// A slug omnidesk does not know, or braces that do not make one (the quick replies' rule).
    #[error("{0}")]
    Slug(String),
}

/// A step's text: 1–2,000 characters, line breaks kept (LF).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct StepText(String);

impl TryFrom<String> for StepText {
    type Error = StepError;
    fn try_from(s: String) -> Result<Self, StepError> {
        Self::parse(&s)
    }
}

impl StepText {
    pub fn parse(s: &str) -> Result<Self, StepError> {
        let s = s.replace("\r\n", "\n");
        let s = s.trim();
        if s.is_empty() {
            Err(StepError::Empty)
        } else if s.chars().count() > MAX_STEP_CHARS {
            Err(StepError::TooLong)
        } else if s
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\t'))
        {
            Err(StepError::Characters)
        } else {
            QuickReplyText::parse(s).map_err(|e| StepError::Slug(e.to_string()))?;
            Ok(Self(s.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text with its slugs filled for one conversation.
    pub fn fill(&self, ctx: &Context) -> String {
        match QuickReplyText::parse(&self.0) {
            Ok(q) => q.fill(ctx),
            // Checked by `parse` (also when read back): not reached, but never lose the text.
            Err(_) => self.0.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub id: StepId,
    pub kind: StepKind,
    pub text: StepText,
}

/// Where a step moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Up,
    Down,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScriptError {
    #[error("No such step.")]
    UnknownStep,
    #[error("A script has at most {MAX_STEPS} steps.")]
    Full,
}

/// A workstream's steps in order, and the next id to hand out (ids are never reused).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Script {
    pub steps: Vec<Step>,
    pub next_id: u32,
}

impl Script {
    pub fn add(&mut self, kind: StepKind, text: StepText) -> Result<StepId, ScriptError> {
        if self.steps.len() >= MAX_STEPS {
            return Err(ScriptError::Full);
        }
        self.next_id = self.next_id.saturating_add(1);
        let id = StepId(self.next_id);
        self.steps.push(Step { id, kind, text });
        Ok(id)
    }

    pub fn step(&self, id: StepId) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    fn position(&self, id: StepId) -> Result<usize, ScriptError> {
        self.steps
            .iter()
            .position(|s| s.id == id)
            .ok_or(ScriptError::UnknownStep)
    }

    pub fn edit(&mut self, id: StepId, kind: StepKind, text: StepText) -> Result<(), ScriptError> {
        let at = self.position(id)?;
        self.steps[at] = Step { id, kind, text };
        Ok(())
    }

    pub fn remove(&mut self, id: StepId) -> Result<Step, ScriptError> {
        let at = self.position(id)?;
        Ok(self.steps.remove(at))
    }

    /// Makes the steps `wanted`, in that order. A wanted step equal to a current one (kind and
    /// text) keeps its id, so what was ticked in conversations stays ticked; others get new ids.
    pub fn replace(&mut self, wanted: Vec<(StepKind, StepText)>) -> Result<(), ScriptError> {
        if wanted.len() > MAX_STEPS {
            return Err(ScriptError::Full);
        }
        let mut old = std::mem::take(&mut self.steps);
        for (kind, text) in wanted {
            let id = match old.iter().position(|s| s.kind == kind && s.text == text) {
                Some(at) => old.remove(at).id,
                None => {
                    self.next_id = self.next_id.saturating_add(1);
                    StepId(self.next_id)
                }
            };
            self.steps.push(Step { id, kind, text });
        }
        Ok(())
    }

    /// Moves a step one place; the first step moving up (or the last down) stays where it is.
    pub fn shift(&mut self, id: StepId, to: Move) -> Result<(), ScriptError> {
        let at = self.position(id)?;
        match to {
            Move::Up if at > 0 => self.steps.swap(at, at - 1),
            Move::Down if at + 1 < self.steps.len() => self.steps.swap(at, at + 1),
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> StepText {
        StepText::parse(s).unwrap()
    }

    fn order(s: &Script) -> Vec<u32> {
        s.steps.iter().map(|s| s.id.get()).collect()
    }

    #[test]
    fn steps_keep_their_ids_when_moved_and_removed() {
        let mut s = Script::default();
        let a = s.add(StepKind::SendText, text("Hello!")).unwrap();
        let b = s
            .add(StepKind::Instruction, text("Check the order"))
            .unwrap();
        let c = s.add(StepKind::SendText, text("Bye")).unwrap();
        s.shift(c, Move::Up).unwrap();
        assert_eq!(order(&s), [1, 3, 2]);
        s.shift(a, Move::Up).unwrap();
        assert_eq!(order(&s), [1, 3, 2], "the first step stays first");
        s.remove(b).unwrap();
        let d = s.add(StepKind::Instruction, text("Tag it")).unwrap();
        assert_eq!(d.get(), 4, "ids are never reused");
        assert_eq!(s.remove(b), Err(ScriptError::UnknownStep));
        s.edit(a, StepKind::Instruction, text("Greet")).unwrap();
        assert_eq!(s.step(a).unwrap().text.as_str(), "Greet");
    }

    #[test]
    fn slugs_are_filled_for_the_conversation() {
        let t = text("Hi {FirstName{Customer}}, I am {FullName{Agent}}.");
        let ctx = Context {
            customer_name: Some("Ana Lima".into()),
            customer_phone: None,
            agent_name: Some("Bo Chen".into()),
        };
        assert_eq!(t.fill(&ctx), "Hi Ana, I am Bo Chen.");
        assert_eq!(text("No slugs").fill(&ctx), "No slugs");
    }

    #[test]
    fn replacing_the_steps_keeps_the_ids_of_the_unchanged_ones() {
        let mut s = Script::default();
        s.add(StepKind::SendText, text("Hello")).unwrap();
        s.add(StepKind::Instruction, text("Check")).unwrap();
        s.replace(vec![
            (StepKind::Instruction, text("Check")),
            (StepKind::SendText, text("Bye")),
            (StepKind::SendText, text("Hello")),
        ])
        .unwrap();
        assert_eq!(order(&s), [2, 3, 1]);
        let too_many = vec![(StepKind::Instruction, text("x")); MAX_STEPS + 1];
        assert_eq!(s.replace(too_many), Err(ScriptError::Full));
        assert_eq!(order(&s), [2, 3, 1], "nothing changed");
    }

    #[test]
    fn a_script_is_bounded_and_step_text_checked() {
        let mut s = Script::default();
        for _ in 0..MAX_STEPS {
            s.add(StepKind::Instruction, text("x")).unwrap();
        }
        assert_eq!(
            s.add(StepKind::Instruction, text("x")),
            Err(ScriptError::Full)
        );
        assert_eq!(StepText::parse("  "), Err(StepError::Empty));
        assert_eq!(StepText::parse("a\u{7}"), Err(StepError::Characters));
        assert_eq!(
            StepText::parse(&"x".repeat(MAX_STEP_CHARS + 1)),
            Err(StepError::TooLong)
        );
        assert!(matches!(
            StepText::parse("Hi {Nickname{Customer}}"),
            Err(StepError::Slug(_))
        ));
        assert!(matches!(StepText::parse("a } b"), Err(StepError::Slug(_))));
        assert_eq!(StepKind::parse("send_text"), Some(StepKind::SendText));
        assert_eq!(StepKind::parse("other"), None);
    }
}
