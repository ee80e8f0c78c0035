//! The local control socket: a Unix socket in the data directory, readable and writable by its
//! owner only, through which CLI commands reach a running server (its store is locked). One
//! JSON request per connection, one JSON response.

use crate::app::Desk;
use serde::{Deserialize, Serialize};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// The socket's file name in the data directory.
pub const SOCKET: &str = "control.sock";
/// The largest request read (a configuration file and its secrets).
const MAX_REQUEST: u64 = 8 * 1024 * 1024;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Request {
    ExportConfig,
    ImportConfig {
        text: String,
        dry_run: bool,
        secrets: String,
    },
    /// The Twilio accounts a configuration file adds, one name a line.
    NewAccounts {
        text: String,
    },
}

/// What the command prints, and whether it succeeded.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Response {
    pub ok: bool,
    pub output: String,
}

pub fn socket_path(dir: &Path) -> PathBuf {
    dir.join(SOCKET)
}

/// Listens on the data directory's socket (mode 0600) for as long as the actix system runs.
pub fn listen(desk: Desk, dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let path = socket_path(dir);
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let listener = tokio::net::UnixListener::bind(&path)?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    actix::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let desk = desk.clone();
            actix::spawn(async move {
                if let Err(e) = serve(desk, stream).await {
                    tracing::warn!(error = %e, "control socket request failed");
                }
            });
        }
    });
    Ok(())
}

async fn serve(desk: Desk, mut stream: tokio::net::UnixStream) -> io::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut body = Vec::new();
    (&mut stream)
        .take(MAX_REQUEST)
        .read_to_end(&mut body)
        .await?;
    let response = match serde_json::from_slice::<Request>(&body) {
        Ok(request) => answer(&desk, request).await,
        Err(e) => Response {
            ok: false,
            output: format!("unreadable request: {e}"),
        },
    };
    let out = serde_json::to_vec(&response).map_err(io::Error::other)?;
    stream.write_all(&out).await?;
    stream.shutdown().await
}

async fn answer(desk: &Desk, request: Request) -> Response {
    match request {
        Request::ExportConfig => Response::of(desk.export_config().await),
        Request::ImportConfig {
            text,
            dry_run,
            secrets,
        } => Response::of_import(desk.import_config(&text, dry_run, &secrets, None).await),
        Request::NewAccounts { text } => {
            Response::of(desk.config_new_accounts(&text).await.map(|n| n.join("\n")))
        }
    }
}

impl Response {
    pub fn of<T: std::fmt::Display, E: std::fmt::Display>(result: Result<T, E>) -> Self {
        match result {
            Ok(out) => Self {
                ok: true,
                output: out.to_string(),
            },
            Err(e) => Self {
                ok: false,
                output: e.to_string(),
            },
        }
    }

    pub fn of_import<T: std::fmt::Display, R: std::fmt::Display, E: std::fmt::Display>(
        result: Result<Result<T, R>, E>,
    ) -> Self {
        match result {
            Ok(inner) => Self::of(inner),
            Err(e) => Self::of::<T, E>(Err(e)),
        }
    }
}

/// Sends `request` to the server running on `dir`, if one listens there.
pub fn call(dir: &Path, request: &Request) -> io::Result<Response> {
    let mut stream = std::os::unix::net::UnixStream::connect(socket_path(dir))?;
    stream.write_all(&serde_json::to_vec(request).map_err(io::Error::other)?)?;
    stream.shutdown(std::net::Shutdown::Write)?;
    let mut body = Vec::new();
    stream.read_to_end(&mut body)?;
    serde_json::from_slice(&body).map_err(io::Error::other)
}
