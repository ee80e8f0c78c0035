//! Work classification: a workstream's ordered routing rules (`conditions`, `matching`), the
//! skills a rule may require and how agents are ranked against them (`skills`), and the context
//! variables rules test and placeholders fill (`context`). Pure: the store keeps these values and
//! `app::routing` gathers the facts.

pub mod conditions;
pub mod context;
pub mod matching;
pub mod skills;

pub use conditions::{Condition, ContactField, ContextTest, Keywords, NumberMatch, RuleName};
pub use context::{ContextValue, VariableKind, VariableName};
pub use matching::{ContactFacts, Decision, Facts, Rule, classify};
pub use skills::{Candidate, MatchMode, Proficiency, SkillName, SkillRequirement, rank_agents};
