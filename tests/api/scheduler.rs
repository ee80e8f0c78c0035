//! The deadline scheduler: a step that fails is retried with backoff, never dropped, and the
//! scheduler keeps every deadline without a live conversation actor.

use crate::helpers::*;
use omnidesk::store::tables::CONVERSATION_RECORD;
use std::time::Duration;

async fn raw(app: &TestApp, id: u64) -> Vec<u8> {
    app.desk()
        .store()
        .read(move |rtx| {
            let t = rtx.open_table(CONVERSATION_RECORD)?;
            Ok(t.get(id)?.map(|g| g.value().to_vec()))
        })
        .await
        .unwrap()
        .expect("stored")
}

async fn put(app: &TestApp, id: u64, bytes: Vec<u8>) {
    app.desk()
        .store()
        .write(move |tx| {
            tx.open_table(CONVERSATION_RECORD)?
                .insert(id, bytes.as_slice())?;
            Ok(())
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn a_window_flip_that_fails_to_store_is_retried_until_it_is_stored() {
    let app = spawn_app().await;
    let conv = app.customer_writes_wa("hello").await;
    let good = raw(&app, conv.id.get()).await;
    // A record that no longer decodes: the flip's write fails.
    put(&app, conv.id.get(), vec![1, 0xff]).await;
    app.clock.advance(Duration::from_secs(24 * 3600 + 1));
    eventually("the failed flip is counted for a retry", || async {
        (app.metric("deadline_retries_total").await >= 1).then_some(())
    })
    .await;
    assert!(
        app.desk().armed_deadlines().await.unwrap() >= 1,
        "the deadline is armed again, not dropped"
    );
    // The record is readable again: the next attempt (after the backoff) stores the flip.
    put(&app, conv.id.get(), good).await;
    app.clock.advance(Duration::from_secs(61));
    eventually("the retried flip is stored", || async {
        app.conversation(conv.id).await.template_only.then_some(())
    })
    .await;
    assert_eq!(app.metric("window_flips_total").await, 1);
    app.stop().await;
}
