//! A real full disk: the data directory on a 4 MiB tmpfs filled up by another file, and media files
//! that cannot be written. Webhooks answer 503 until space is freed, then the store reopens
//! itself; a media file that cannot be written stays pending and is fetched again.

use crate::helpers::*;
use crate::storage_faults::{copies, health_becomes, retried_until_taken};
use omnidesk::store::records::MediaState;
use reqwest::StatusCode;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

/// A tmpfs mounted on a temp dir for the life of the value (lazily unmounted on drop).
struct SmallDisk {
    at: PathBuf,
}

impl SmallDisk {
    /// Mounts it, or says why it cannot be (not root, no CAP_SYS_ADMIN, no tmpfs).
    fn mount(at: &Path, size: &str) -> Result<Self, String> {
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if out.status.success() {
            Ok(Self { at: at.to_owned() })
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
        }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.at).status();
    }
}

/// Writes `path` until the filesystem is full; returns the bytes written.
fn fill(path: &Path) -> u64 {
    let mut f = std::fs::File::create(path).expect("filler file");
    let chunk = vec![0x5au8; 16 * 1024];
    let mut written = 0;
    while let Ok(n) = f.write(&chunk) {
        if n == 0 {
            break;
        }
        written += n as u64;
    }
    let _ = f.sync_all();
    written
}

#[tokio::test]
async fn a_full_tmpfs_gets_503_until_space_is_freed_and_nothing_acknowledged_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let disk = match SmallDisk::mount(dir.path(), "4m") {
        Ok(d) => d,
        Err(why) => {
            eprintln!("skipped: a tmpfs cannot be mounted here ({why})");
            return;
        }
    };
    let mut app = spawn_app_in(dir, wiremock::MockServer::start().await, |_| {}).await;
    let body = "x".repeat(900);
    let mut acknowledged = Vec::new();
    for _ in 0..5 {
        let sid = new_sid();
        let resp = app.post_inbound_wa(&wa_form(&sid, &body)).await;
        assert_eq!(resp.status(), StatusCode::OK);
        acknowledged.push(sid);
    }
    let filler = app.dir.path().join("filler");
    assert!(fill(&filler) > 0, "the filler took the free space");

    // The store's file may have some room of its own: keep writing until it runs out.
    let refused = loop {
        let sid = new_sid();
        let form = wa_form(&sid, &body);
        match app.post_inbound_wa(&form).await.status() {
            StatusCode::OK => acknowledged.push(sid),
            StatusCode::SERVICE_UNAVAILABLE => break form,
            other => panic!("unexpected {other}"),
        }
        assert!(acknowledged.len() < 5_000, "the disk never filled up");
    };
    let reason = health_becomes(&app, StatusCode::SERVICE_UNAVAILABLE).await;
    assert!(reason.starts_with("store failing: "), "{reason}");
    eprintln!(
        "the disk filled up after {} messages: {reason}",
        acknowledged.len()
    );

    std::fs::remove_file(&filler).unwrap();
    health_becomes(&app, StatusCode::OK).await;
    retried_until_taken(&app, &refused).await;
    for sid in &acknowledged {
        assert_eq!(copies(&app, sid).await, 1, "acknowledged {sid}");
    }
    app.restart(|_| {}).await;
    for sid in &acknowledged {
        assert_eq!(copies(&app, sid).await, 1, "{sid} after a restart");
    }
    let dir = app.stop().await;
    drop(disk);
    drop(dir);
}

#[tokio::test]
async fn a_media_file_that_cannot_be_written_stays_pending_and_is_fetched_again() {
    let app = spawn_app().await;
    Mock::given(method("GET"))
        .and(path("/media/ME1"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![1u8, 2, 3]))
        .mount(&app.twilio)
        .await;
    // A file where the media directory belongs: every write under it fails, as on a full disk.
    let media_dir = app.dir.path().join("media");
    std::fs::write(&media_dir, b"in the way").unwrap();
    let sid = new_sid();
    let mut form = with(wa_form(&sid, ""), "NumMedia", "1");
    form.push((
        "MediaUrl0".into(),
        format!("{}/media/ME1", app.twilio.uri()),
    ));
    form.push(("MediaContentType0".into(), "image/jpeg".into()));
    assert_eq!(app.post_inbound_wa(&form).await.status(), StatusCode::OK);
    eventually("the write fails and is retried", || async {
        (app.metric("media_retries_total").await >= 2).then_some(())
    })
    .await;
    let m = app
        .message_by_sid(&sid)
        .await
        .expect("the message is stored");
    assert_eq!(m.media[0].state, MediaState::Pending, "not failed for good");
    assert_eq!(app.metric("media_failed_total").await, 0);

    std::fs::remove_file(&media_dir).unwrap();
    let state = eventually("the retry stores the file", || async {
        let m = app.message_by_sid(&sid).await?;
        (m.media[0].state != MediaState::Pending).then(|| m.media[0].state.clone())
    })
    .await;
    let MediaState::Stored { file, bytes } = state else {
        panic!("stored, not {state:?}");
    };
    assert_eq!(bytes, 3);
    assert_eq!(
        std::fs::read(media_dir.join(file)).unwrap(),
        vec![1u8, 2, 3]
    );
    app.stop().await;
}
