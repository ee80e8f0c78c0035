//! Admin writes: every configuration change the admin console (and the CLI's setup) makes, on
//! the application layer so web handlers never write the store themselves. Most store and
//! answer; a change of distribution settings lets the queues offer again under the new rules,
//! and a password change or "sign out everywhere" ends the user's live streams at once.

use crate::app::Desk;
use crate::domain::Timestamp;
use crate::domain::automated::AutomatedText;
use crate::domain::automated::OverrideKey;
use crate::domain::language::LanguageCode;
use crate::domain::workstream::Distribution;
use crate::domain::{
    AccountId, ConversationId, HoursId, NumberId, QuickReplyId, TemplateId, UserId, WorkstreamId,
};
use crate::store::StoreError;
use crate::store::automated::AutomatedOverride;
use crate::store::automated::OverrideRefusal;
use crate::store::hours::HoursInput;
use crate::store::hours::HoursRefusal;
use crate::store::hours::OperatingHours;
use crate::store::quick_replies::QuickReply;
use crate::store::quick_replies::QuickReplyDraft;
use crate::store::quick_replies::QuickReplyRefusal;
use crate::store::records::Account;
use crate::store::records::SenderNumber;
use crate::store::records::Template;
use crate::store::records::Workstream;
use crate::store::setup::AccountUpdate;
use crate::store::setup::NewAccount;
use crate::store::setup::NewNumber;
use crate::store::setup::SetupError;
use crate::store::simulator::Expired;
use crate::store::templates::TemplateDraft;
use crate::store::templates::TemplateRefusal;
use crate::store::users::NewUser;
use crate::store::users::User;
use crate::store::users::UserError;
use crate::store::workstreams::Refusable;
use crate::store::workstreams::SetupChange;
use crate::store::workstreams::WorkstreamDraft;
use crate::store::workstreams::WorkstreamProfile;

impl Desk {
    pub async fn update_template(
        &self,
        id: TemplateId,
        draft: TemplateDraft,
    ) -> Result<Result<Template, TemplateRefusal>, StoreError> {
        self.store().update_template(id, draft).await
    }

    pub async fn update_quick_reply(
        &self,
        id: QuickReplyId,
        draft: QuickReplyDraft,
    ) -> Result<Result<QuickReply, QuickReplyRefusal>, StoreError> {
        self.store().update_quick_reply(id, draft).await
    }

    pub async fn update_hours(
        &self,
        id: HoursId,
        input: HoursInput,
    ) -> Result<Result<OperatingHours, HoursRefusal>, StoreError> {
        self.store().update_hours(id, input).await
    }

    /// Renames an account or changes its credentials; webhooks see the change at once.
    pub async fn update_account(
        &self,
        id: AccountId,
        update: AccountUpdate,
    ) -> Result<Result<Account, SetupError>, StoreError> {
        self.store().update_account(id, update).await
    }

    /// Saves one step of the channel setup and moves the setup past it.
    pub async fn save_workstream_setup(
        &self,
        id: WorkstreamId,
        change: SetupChange,
    ) -> Refusable<Workstream> {
        self.store().save_workstream_setup(id, change).await
    }

    /// Finishes the channel setup. A workstream whose language step was never saved (one the
    /// demo or the CLI created) takes `language`, the one the language step shows it.
    pub async fn finish_workstream_setup(
        &self,
        id: WorkstreamId,
        language: LanguageCode,
    ) -> Refusable<Workstream> {
        match self.store().workstream(id).await? {
            Some(ws) if ws.language.is_none() => {
                if let Err(e) = self
                    .save_workstream_setup(id, SetupChange::Language(language))
                    .await?
                {
                    return Ok(Err(e));
                }
            }
            _ => {}
        }
        self.save_workstream_setup(id, SetupChange::Finish).await
    }

    /// Drops cached accounts; every write that changes an account calls this after its commit.
    pub fn forget_cached_accounts(&self) {
        self.store().forget_cached_accounts()
    }

    /// Moves the conversation's window deadline to `now`. It does not flip the conversation to
    /// template-only itself: the conversation actor does that when told (as for a real deadline),
    /// though a free-form send is refused from `now` on either way.
    pub async fn expire_window_now(
        &self,
        id: ConversationId,
        now: Timestamp,
    ) -> Result<Expired, StoreError> {
        self.store().expire_window_now(id, now).await
    }

    /// Ends every session of a user but `keep`; returns how many ended.
    pub async fn end_sessions_of(
        &self,
        id: UserId,
        keep: Option<String>,
    ) -> Result<usize, StoreError> {
        let out = self.store().end_sessions_of(id, keep).await;
        if out.is_ok() {
            self.shared
                .live
                .publish(crate::live::LiveEvent::UserChanged { user: id });
        }
        out
    }

    /// Deletes a workstream no open conversation uses, and frees its numbers.
    pub async fn delete_workstream(&self, id: WorkstreamId) -> Refusable<Workstream> {
        self.store().delete_workstream(id).await
    }

    pub async fn delete_template(
        &self,
        id: TemplateId,
    ) -> Result<Result<Template, TemplateRefusal>, StoreError> {
        self.store().delete_template(id).await
    }

    /// Deletes hours `id` unless a workstream uses it; the check and the delete are one write.
    pub async fn delete_hours(&self, id: HoursId) -> Result<Result<(), HoursRefusal>, StoreError> {
        self.store().delete_hours(id).await
    }

    /// Creates a workstream with the draft's numbers and default settings: the one way a
    /// workstream comes to be, for the admin pages, the CLI and the demo seed alike.
    pub async fn create_workstream(&self, draft: WorkstreamDraft) -> Refusable<Workstream> {
        self.store().create_workstream(draft).await
    }

    pub async fn create_template(
        &self,
        draft: TemplateDraft,
    ) -> Result<Result<Template, TemplateRefusal>, StoreError> {
        self.store().create_template(draft).await
    }

    pub async fn create_quick_reply(
        &self,
        draft: QuickReplyDraft,
    ) -> Result<Result<QuickReply, QuickReplyRefusal>, StoreError> {
        self.store().create_quick_reply(draft).await
    }

    pub async fn create_hours(
        &self,
        input: HoursInput,
    ) -> Result<Result<OperatingHours, HoursRefusal>, StoreError> {
        self.store().create_hours(input).await
    }

    pub async fn create_account(
        &self,
        new: NewAccount,
        now: Timestamp,
    ) -> Result<Result<Account, SetupError>, StoreError> {
        self.store().create_account(new, now).await
    }

    /// Creates an Azure Communication Services account (WhatsApp) with its connection string.
    pub async fn create_acs_account(
        &self,
        name: crate::domain::account::AccountName,
        settings: crate::store::records::AcsSettings,
        connection_string: crate::secrets::SecretString,
    ) -> Result<Result<Account, SetupError>, StoreError> {
        let created = self
            .store()
            .create_acs_account(name, settings, Some(connection_string), self.now())
            .await;
        self.store().forget_cached_accounts();
        created
    }

    /// "Copy of <name>" with every setting but the numbers (a number serves one workstream), so
    /// the copy's channel setup starts again at its numbers.
    pub async fn copy_workstream(&self, id: WorkstreamId) -> Refusable<Workstream> {
        self.store().copy_workstream(id).await
    }

    pub async fn add_user(
        &self,
        new: NewUser,
        now: Timestamp,
    ) -> Result<Result<User, UserError>, StoreError> {
        self.store().add_user(new, now).await
    }

    pub async fn add_number(
        &self,
        new: NewNumber,
    ) -> Result<Result<SenderNumber, SetupError>, StoreError> {
        self.store().add_number(new).await
    }

    /// Creates the first admin, only while no admin exists (the one-time setup).
    pub async fn add_first_admin(
        &self,
        new: NewUser,
        now: Timestamp,
    ) -> Result<Result<User, UserError>, StoreError> {
        self.store().add_first_admin(new, now).await
    }

    /// Stores a new password hash and ends every session of the user but `keep`.
    pub async fn set_password(
        &self,
        id: UserId,
        hash: String,
        keep: Option<String>,
        now: Timestamp,
    ) -> Result<Result<User, UserError>, StoreError> {
        let out = self.store().set_password(id, hash, keep, now).await;
        if let Ok(Ok(u)) = &out {
            self.shared
                .live
                .publish(crate::live::LiveEvent::UserChanged { user: u.id });
        }
        out
    }

    pub async fn end_session(&self, token_hash: String) -> Result<(), StoreError> {
        self.store().end_session(token_hash).await
    }

    pub async fn update_workstream_profile(
        &self,
        id: WorkstreamId,
        profile: WorkstreamProfile,
    ) -> Refusable<Workstream> {
        self.store().update_workstream_profile(id, profile).await
    }

    pub async fn set_workstream_distribution(
        &self,
        id: WorkstreamId,
        distribution: Distribution,
    ) -> Refusable<Workstream> {
        let out = self
            .store()
            .set_workstream_distribution(id, distribution)
            .await;
        if matches!(out, Ok(Ok(_))) {
            // New capacity or presences count for the next offers at once.
            self.pump_all();
        }
        out
    }

    pub async fn delete_quick_reply(
        &self,
        id: QuickReplyId,
    ) -> Result<Result<QuickReply, QuickReplyRefusal>, StoreError> {
        self.store().delete_quick_reply(id).await
    }

    /// Removes a number: its address mapping, its workstream link, and its unsent outbox jobs
    /// (their messages end failed). Conversations and messages stay.
    pub async fn delete_number(
        &self,
        id: NumberId,
        now: Timestamp,
    ) -> Result<Result<SenderNumber, SetupError>, StoreError> {
        self.store().delete_number(id, now).await
    }

    /// Removes the override for `key` so the next fallback applies; false if there was none.
    pub async fn reset_automated_override(&self, key: OverrideKey) -> Result<bool, StoreError> {
        self.store().reset_automated_override(key).await
    }

    /// Stores (or replaces) the text for `key`.
    pub async fn set_automated_override(
        &self,
        key: OverrideKey,
        text: AutomatedText,
        now: Timestamp,
    ) -> Result<Result<AutomatedOverride, OverrideRefusal>, StoreError> {
        self.store().set_automated_override(key, text, now).await
    }

    /// Removes an account, its webhook key (its URLs answer 404 from now on) and its numbers as
    /// `delete_number` does. Conversations and messages stay.
    pub async fn delete_account(
        &self,
        id: AccountId,
        now: Timestamp,
    ) -> Result<Result<Account, SetupError>, StoreError> {
        self.store().delete_account(id, now).await
    }
}
